import Foundation
import MCKDData
import MCKDEngine

/// BraTS (or the phantom) as a training task: the seeded split, random crops (R
/// meta-validation crops of batch 1 per meta step, the reference's), the segmentation
/// model and its trainer, and the missing-modality Dice table over the test cases.
public final class BraTSTask: TrainingTask {
    public let trainer: SegmentationTrainer
    private let configuration: BraTSRunConfiguration
    /// Read one at a time when evaluated.
    private let test: [BraTSCase]
    /// Crops of the training cases, and of the meta-validation cases.
    private var crops: (train: BraTSCropSampler, metaValidation: BraTSCropSampler)
    /// The modalities each training and meta-validation case has; nil when every case
    /// has all four (then training is exactly that of complete data).
    private let ownSets: [String: ModalitySet]?
    /// The training and meta-validation cases' volumes held between crops.
    public let caseCache: LRUByteCache<BraTSCropSource>

    public static func requireFit(_ configuration: BraTSRunConfiguration, on backend: any Backend) throws {
        try TrainingMemoryPlan.requireFit(configuration, on: backend)
    }

    /// Every case of the split is read once here, so that a damaged file stops the run
    /// before training; the cache keeps what fits `dataLoading`'s budget, the rest is read
    /// again when a crop needs it.
    public init(configuration: BraTSRunConfiguration, backend: any Backend, dataLoading: DataLoading, say: @escaping (String) -> Void) throws {
        self.configuration = configuration
        let data = try configuration.loadSplit(say: say)
        caseCache = LRUByteCache(budget: dataLoading.caseCacheBudget)
        let train = try BraTSCropCases(cases: data.train, cropShape: configuration.crop, cache: caseCache)
        let metaValidation = try BraTSCropCases(cases: data.metaValidation, cropShape: configuration.crop, cache: caseCache)
        for brainCase in data.test { _ = try BraTSCaseLoader.load(brainCase, requireSegmentation: true) }
        test = data.test
        let model = try configuration.makeModel(backend: backend)
        say("model on \(backend.name):\n" + model.summary(crop: configuration.crop))
        trainer = try SegmentationTrainer(model: model, settings: configuration.training)
        let labelled = data.train + data.metaValidation
        ownSets = labelled.allSatisfy(\.isComplete) ? nil
            : Dictionary(uniqueKeysWithValues: labelled.map { ($0.id, $0.availableSet) })
        let drawing = configuration.cropDrawing ?? .sequential, seed = configuration.training.seed
        crops = (try BraTSCropSampler(cases: train, seed: seed, drawing: drawing),
                 try BraTSCropSampler(cases: metaValidation, seed: seed &+ 1, drawing: drawing))
    }

    public func skipData(ofStep step: Int, metaBatches: Int) {
        crops.train.skip(crops: configuration.batchSize)
        crops.metaValidation.skip(crops: metaBatches)
    }

    /// Every rank draws the whole global batch's crops (and the same meta-validation
    /// crops) but resamples only its own share, one upload per micro-batch.
    public func trainStep(metaBatches: Int) throws -> StepRecord {
        let parallel = trainer.state.parallel, size = configuration.batchSize
        let ranges = parallel.isSingle ? [0..<size] : try parallel.microBatchRanges(globalBatch: size)
        let batch = try crops.train.nextBatch(size: size, keeping: ranges.first!.lowerBound..<ranges.last!.upperBound)
        let meta = try (0..<metaBatches).map { _ in
            let crop = try crops.metaValidation.nextBatch(size: 1)
            let (input, targets) = try upload(crop)
            return (input, targets, ownSets.map { $0[crop.caseIDs[0]]! } ?? .all(configuration.architecture.modalities))
        }
        let micro = try ranges.map { try upload(batch.slice($0.lowerBound - ranges[0].lowerBound, count: $0.count)) }
        let losses = try trainer.train(microBatches: micro, globalBatch: size,
                                       own: ownSets.map { sets in batch.drawnCaseIDs.map { sets[$0]! } }, metaBatches: meta)
        // metrics.jsonl keeps the key "dice" for the Dice loss (reports read it); the progress line says what it is.
        let task: [StepRecord.Part] = [.init(key: "dice", label: "dice loss", value: losses.dice),
                                       .init(key: "bce", label: "bce", value: losses.crossEntropy)]
        return StepRecord(task: task, distillation: losses.distillation, metaStep: losses.metaStep,
                          available: losses.availability.name(TaskKind.brats.modalityNames))
    }

    /// A batch of crops on the device: images [N, M, D, H, W] and targets [N, 3, D, H, W].
    private func upload(_ batch: BraTSBatch) throws -> (input: Tensor, targets: Tensor) {
        let modalities = configuration.architecture.modalities, backend = trainer.model.backend
        return (try backend.upload(batch.images, shape: Shape([batch.count, modalities] + configuration.crop)),
                try backend.upload(batch.targets, shape: Shape([batch.count, 3] + configuration.crop)))
    }

    public func evaluate(say: (String) -> Void) throws -> DiceTable? {
        guard !test.isEmpty else { return nil }
        say("evaluating \(test.count) test cases x 15 modality subsets (sliding windows, overlap 1/3)")
        return try SegmentationEvaluator(model: trainer.model, tile: configuration.crop).evaluate(cases: test, communicator: trainer.state.parallel.communicator)
    }
}
