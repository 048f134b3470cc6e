import Foundation
import MCKDData
import MCKDEngine

/// AV-MNIST as a training task: the rate-masked pairs, batches in a seeded order per
/// epoch, the meta-validation pairs (uploaded once, every pass of a meta step uses them
/// all), the classifier and its trainer, and the both / image / audio evaluation.
public final class AVMNISTTask: TrainingTask {
    public let trainer: AVMNISTTrainer
    private let configuration: AVMNISTRunConfiguration
    private let data: AVMNISTDataset
    /// The training split's pairs that are trained on (the others are meta-validation's).
    private let trainIndices: [Int]
    /// The meta-validation pairs on the device, uploaded once.
    private let metaInput: AVMNISTInput

    /// Nothing to check: a batch of 28x28 images and 20x20 spectrograms is megabytes.
    public static func requireFit(_ configuration: AVMNISTRunConfiguration, on backend: any Backend) throws {}

    /// The AV-MNIST cache is megabytes and is held whole, whatever `dataLoading` allows.
    public init(configuration: AVMNISTRunConfiguration, backend: any Backend, dataLoading _: DataLoading,
                say: @escaping (String) -> Void) throws {
        self.configuration = configuration
        let data = try configuration.loadData()
        self.data = data
        let parts = try Self.partition(data.train, metaValidationSize: configuration.metaValidationSize)
        let (trainIndices, metaIndices) = (parts.train, parts.metaValidation)
        self.trainIndices = trainIndices
        let withAudio = trainIndices.filter { data.train.samples[$0].audioPresent }.count
        let withImage = trainIndices.filter { data.train.samples[$0].imagePresent }.count
        say("data: AV-MNIST, \(trainIndices.count) training pairs (\(withImage) with image, \(withAudio) with audio), "
            + "\(metaIndices.count) meta-validation, \(data.test.count) test")
        let model = try configuration.makeModel(backend: backend)
        say("model on \(backend.name):\n" + model.summary())
        trainer = try AVMNISTTrainer(model: model, settings: configuration.training)
        metaInput = try trainer.metaInput(try data.train.batch(metaIndices))
    }

    /// The training split's indices that are trained on and the meta-validation ones: the
    /// first `metaValidationSize` pairs (in the split's seeded order) with both modalities.
    public static func partition(_ split: AVMNISTSplit, metaValidationSize: Int) throws -> (train: [Int], metaValidation: [Int]) {
        let complete = split.samples.indices.filter { split.samples[$0].imagePresent && split.samples[$0].audioPresent }
        guard complete.count >= metaValidationSize else {
            throw AVMNISTError.invalidConfiguration("only \(complete.count) training pairs have both modalities at these rates; the meta-validation set needs \(metaValidationSize) (lower --meta-val-size or raise the rates)")
        }
        let held = Set(complete.prefix(metaValidationSize))
        return (split.samples.indices.filter { !held.contains($0) }, Array(complete.prefix(metaValidationSize)))
    }

    /// The training indices of step `step`: epoch e's seeded permutation, cut into batches
    /// (the last may be smaller). A pure function of (seed, step): resumes need no replay.
    public static func batchIndices(step: Int, training: [Int], batchSize: Int, stepsPerEpoch: Int, seed: UInt64) -> [Int] {
        let epoch = step / stepsPerEpoch, position = step % stepsPerEpoch
        var random = SplitMix64.derived(seed: seed ^ 0x4156_4D4E_4953_5442, index: UInt64(epoch))   // "AVMNISTB"
        var order = training
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1)) }
        let start = position * batchSize
        return Array(order[min(start, order.count)..<min(start + batchSize, order.count)])
    }

    /// Batches are functions of the step: nothing to replay.
    public func skipData(ofStep step: Int, metaBatches: Int) {}

    public func trainStep(metaBatches: Int) throws -> StepRecord {
        let training = configuration.training, step = trainer.step
        let indices = Self.batchIndices(step: step, training: trainIndices, batchSize: configuration.batchSize,
                                        stepsPerEpoch: training.stepsPerEpoch, seed: training.seed)
        // The batch goes up with the step's available sets: only the rows that have each modality.
        let batch = try data.train.batch(indices)
        let (drawn, availability) = try trainer.availability(for: batch)
        let input = try AVMNISTInput(batch: batch, availability: availability, backend: trainer.model.backend)
        let losses = try trainer.train(input: input, drawn: drawn, metaBatches: Array(repeating: metaInput, count: metaBatches))
        var record = StepRecord(task: [.init(key: "ce", label: "ce", value: losses.crossEntropy)], distillation: losses.distillation,
                                metaStep: losses.metaStep, available: losses.drawn.name(TaskKind.avmnist.modalityNames))
        record.counters = [("epoch", training.epoch(atStep: step))]
        return record
    }

    /// Accuracy on the test pairs with both modalities, the image only and the audio only.
    public func evaluate(say: (String) -> Void) throws -> AVMNISTEvaluation? {
        say("evaluating \(data.test.count) test pairs with both modalities, the image only and the audio only")
        return try Self.evaluate(model: trainer.model, data: data, configuration: configuration)
    }

    /// The evaluation of a model on the run's test pairs (the training run's and `mckd eval`'s).
    public static func evaluate(model: AVMNISTModel, data: AVMNISTDataset, configuration: AVMNISTRunConfiguration) throws -> AVMNISTEvaluation {
        try AVMNISTEvaluation.evaluate(model: model, split: data.test, audioRate: configuration.audioRate, visualRate: configuration.visualRate)
    }
}
