import Foundation
import MCKDData
import MCKDEngine

/// Everything that defines an AV-MNIST training run; stored in the run folder and in
/// checkpoints so `--resume` continues exactly the same run.
public struct AVMNISTRunConfiguration: Codable, Equatable {
    /// Always "avmnist": `mckd eval` dispatches on it.
    public var task = "avmnist"
    public var architecture = AVMNISTArchitecture.paper
    public var training = AVMNISTTrainingSettings(steps: 1, stepsPerEpoch: 1)
    public var batchSize = 64
    /// Percent of training samples that keep their audio / image (nil: all; method.md's
    /// "audio rate"). The paper's headline setting is audio rate 10%.
    public var audioRate: Double? = 10
    public var visualRate: Double? = nil
    /// Training pairs with both modalities held out for the importance weights (each of a
    /// meta step's R passes uses all of them); they are never trained on, whatever `--meta` is.
    public var metaValidationSize = 10
    public var checkpointEvery = 200
    /// The AV-MNIST cache file (nil: `AVMNISTCache.defaultFile()`).
    public var cachePath: String? = nil
    /// Pairs per digit (the paper's 105 / 45; the tests use fewer).
    public var trainPairsPerClass = 105
    public var testPairsPerClass = 45

    public init() {}

    /// Training pairs that are trained on (the training split less the meta-validation pairs).
    public var trainingPairs: Int { 10 * trainPairsPerClass - metaValidationSize }
    public var stepsPerEpoch: Int { (trainingPairs + batchSize - 1) / max(1, batchSize) }

    /// Sets the run's length from epochs or steps (exactly one), with the epoch length
    /// following from the batch size.
    public mutating func setLength(epochs: Int?, steps: Int?) throws {
        guard batchSize >= 1, metaValidationSize >= 1, trainingPairs >= 1 else {
            throw AVMNISTError.invalidConfiguration("batch size and meta-validation size must be positive, and leave training pairs")
        }
        switch (epochs, steps) {
        case let (epochs?, nil) where epochs >= 1: training.steps = epochs * stepsPerEpoch
        case let (nil, steps?) where steps >= 1: training.steps = steps
        default: throw AVMNISTError.invalidConfiguration("give a positive number of epochs or of steps (one of them)")
        }
        training.stepsPerEpoch = stepsPerEpoch
    }

    /// The data layer's configuration (rates as fractions).
    public var dataConfiguration: AVMNISTConfiguration {
        var data = AVMNISTConfiguration(seed: training.seed, audioRate: (audioRate ?? 100) / 100, visualRate: (visualRate ?? 100) / 100)
        data.trainPairsPerClass = trainPairsPerClass
        data.testPairsPerClass = testPairsPerClass
        return data
    }
}

/// An AV-MNIST training run: data, the trainer, logging, checkpoints and the final
/// both / image / audio evaluation, in RUN_DIR.
public final class AVMNISTTrainingRun {
    public let configuration: AVMNISTRunConfiguration
    public let directory: URL
    let backend: any Backend
    let say: (String) -> Void

    public init(configuration: AVMNISTRunConfiguration, backend: any Backend, directory: URL, say: @escaping (String) -> Void) {
        self.configuration = configuration
        self.backend = backend
        self.directory = directory
        self.say = say
    }

    public var checkpointURL: URL { directory.appendingPathComponent("checkpoint") }

    /// The dataset with the run's rates; a missing cache says to run scripts/setup-avmnist.
    public func loadData() throws -> AVMNISTDataset {
        try AVMNISTDataset(cachePath: configuration.cachePath, configuration: configuration.dataConfiguration)
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

    /// Trains (from scratch or from RUN_DIR/checkpoint), then evaluates on the 450 test
    /// pairs. With `stopAfterStep` it checkpoints and returns after that step instead.
    public func run(resume: Bool, stopAfterStep: Int? = nil) throws -> (trainer: AVMNISTTrainer, evaluation: AVMNISTEvaluation?) {
        let folder = try TrainingRunFolder(directory: directory, configuration: configuration)
        let configurationJSON = folder.configurationJSON

        let data = try loadData()
        let (trainIndices, metaIndices) = try Self.partition(data.train, metaValidationSize: configuration.metaValidationSize)
        let withAudio = trainIndices.filter { data.train.samples[$0].audioPresent }.count
        let withImage = trainIndices.filter { data.train.samples[$0].imagePresent }.count
        say("data: AV-MNIST, \(trainIndices.count) training pairs (\(withImage) with image, \(withAudio) with audio), "
            + "\(metaIndices.count) meta-validation, \(data.test.count) test")
        let model = try AVMNISTModel(backend, architecture: configuration.architecture, seed: configuration.training.seed)
        say("model on \(backend.name):\n" + model.summary())
        let trainer = try AVMNISTTrainer(model: model, settings: configuration.training)
        let metaBatch = try trainer.metaInput(try data.train.batch(metaIndices))   // uploaded once

        let resumeStep = try folder.start(resume: resume, say: say) { checkpoint in
            try trainer.restore(from: checkpoint, file: checkpointURL.path)
        }

        let training = configuration.training
        let metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), resumeStep: resumeStep ?? (resume ? 0 : nil))
        let progress = ProgressReporter(totalSteps: training.steps, firstStep: trainer.step, lineInterval: 50)
        let names = AVMNISTModel.modalityNames
        func saveCheckpoint() throws {
            try trainer.checkpoint(metadata: ["configuration": configurationJSON]).write(to: checkpointURL)
        }
        let start = Date()
        while trainer.step < training.steps {
            let step = trainer.step
            let indices = Self.batchIndices(step: step, training: trainIndices, batchSize: configuration.batchSize,
                                            stepsPerEpoch: training.stepsPerEpoch, seed: training.seed)
            let losses = try trainer.train(batch: try data.train.batch(indices), meta: metaBatch)
            // The logged scalars: a few bytes per step, and the NaN guard.
            var parts: [(String, Float)] = [("ce", try backend.scalar(losses.crossEntropy))]
            if let kd = losses.distillation { parts.append(("kd", try backend.scalar(kd))) }
            if let metaLoss = losses.meta { parts.append(("meta", try backend.scalar(metaLoss))) }
            try folder.requireFinite(parts, step: step)
            let weights = try trainer.importanceWeights()
            var record: [String: Any] = ["step": step + 1, "lr": Double(training.learningRate(atStep: step)),
                                         "epoch": training.epoch(atStep: step), "available": losses.drawn.name(names),
                                         "weights": weights.map(Double.init), "seconds": Date().timeIntervalSince(start)]
            for (name, value) in parts { record[name] = Double(value) }
            record.merge(trainer.importance.metricsEntries(mode: training.meta)) { _, meta in meta }
            try metrics.append(record)
            progress.update(step: trainer.step, fields: [("epoch", String(training.epoch(atStep: step)))]
                            + parts.map { ($0.0, String(format: "%.4f", $0.1)) }
                            + [("w", zip(names, weights).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: " "))]
                            + trainer.importance.progressFields(mode: training.meta))
            if trainer.step % max(1, configuration.checkpointEvery) == 0 || trainer.step == training.steps
                || trainer.step == stopAfterStep {
                try saveCheckpoint()
            }
            if trainer.step == stopAfterStep {
                say("stopped after step \(trainer.step) as asked; continue with --resume")
                return (trainer, nil)
            }
        }
        say("evaluating \(data.test.count) test pairs with both modalities, the image only and the audio only")
        let evaluation = try Self.evaluate(model: model, data: data, configuration: configuration, into: directory)
        return (trainer, evaluation)
    }

    /// Evaluates on the test split and writes RUN_DIR/evaluation.{json,csv}.
    public static func evaluate(model: AVMNISTModel, data: AVMNISTDataset, configuration: AVMNISTRunConfiguration,
                                into directory: URL) throws -> AVMNISTEvaluation {
        let evaluation = try AVMNISTEvaluation.evaluate(model: model, split: data.test, audioRate: configuration.audioRate,
                                                        visualRate: configuration.visualRate)
        try TrainingRunFolder.writeEvaluation(evaluation, csv: evaluation.csv(), in: directory)
        return evaluation
    }
}
