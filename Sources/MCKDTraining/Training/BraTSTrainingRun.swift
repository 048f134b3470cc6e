import Foundation
import MCKDData
import MCKDEngine

/// Everything that defines a BraTS training run; stored in the run folder and in
/// checkpoints so `--resume` continues exactly the same run.
public struct BraTSRunConfiguration: Codable, Equatable {
    public var architecture = SegmentationArchitecture.small
    public var training = SegmentationTrainingSettings(steps: 300)
    public var batchSize = 2
    public var crop = [32, 32, 32]
    /// "synthetic" (the procedural phantom), "anatomical" (the anatomical phantom) or a BraTS folder.
    public var data = "synthetic"
    public var phantomCases = 24
    public var phantomSize = [64, 64, 64]
    public var metaValidationCases = 4
    public var testCases = 4
    public var checkpointEvery = 50

    public init() {}
}

/// Why training stopped early.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFinite(step: Int, part: String, value: Float, checkpoint: String)
    /// The run folder cannot be used as asked (no checkpoint to resume, another
    /// configuration, not a run folder).
    case unusableRunFolder(String)

    public var description: String {
        switch self {
        case let .nonFinite(step, part, value, checkpoint):
            return "the \(part) loss became \(value) at step \(step); training stopped. The last good checkpoint is \(checkpoint)"
        case let .unusableRunFolder(message): return message
        }
    }
}

/// A BraTS (or phantom) training run: data, the trainer, logging, checkpoints and the
/// final missing-modality evaluation, in RUN_DIR.
public final class BraTSTrainingRun {
    public let configuration: BraTSRunConfiguration
    public let directory: URL
    let backend: any Backend
    let say: (String) -> Void

    public init(configuration: BraTSRunConfiguration, backend: any Backend, directory: URL, say: @escaping (String) -> Void) {
        self.configuration = configuration
        self.backend = backend
        self.directory = directory
        self.say = say
    }

    public var checkpointURL: URL { directory.appendingPathComponent("checkpoint") }

    /// The data folder: the user's, or the phantom generated once into the cache.
    public static func dataRoot(for configuration: BraTSRunConfiguration, say: (String) -> Void) throws -> URL {
        if configuration.data == GeneratedData.anatomical {
            return try GeneratedData.anatomicalRoot(cases: configuration.phantomCases, seed: configuration.training.seed, say: say)
        }
        guard configuration.data == "synthetic" else { return URL(fileURLWithPath: configuration.data) }
        let cacheRoot = MCKDCacheDirectory.root()
        let size = configuration.phantomSize.map(String.init).joined(separator: "x")
        let seed = configuration.training.seed
        let root = cacheRoot.appendingPathComponent("phantom/\(size)-\(configuration.phantomCases)cases-seed\(seed)")
        let complete = root.appendingPathComponent(".complete")
        if !FileManager.default.fileExists(atPath: complete.path) {
            say("generating \(configuration.phantomCases) synthetic phantom cases (\(size)) into \(root.path)")
            let generator = try PhantomGenerator(shape: configuration.phantomSize, seed: seed)
            _ = try PhantomDatasetWriter.write(to: root, count: configuration.phantomCases, generator: generator)
            FileManager.default.createFile(atPath: complete.path, contents: Data())
        }
        return root
    }

    /// The train / meta-validation / test volumes of the run's seeded split.
    public func loadSplit() throws -> (train: [BraTSVolume], metaValidation: [BraTSVolume], test: [BraTSVolume]) {
        let root = try Self.dataRoot(for: configuration, say: say)
        let dataset = try BraTSDataset(scanning: root)
        let split = try BraTSSplit(seededFrom: dataset.cases.map(\.id), metaValidationCount: configuration.metaValidationCases,
                                   testCount: configuration.testCases, seed: configuration.training.seed)
        var warnings: [String] = []
        func load(_ ids: [String]) throws -> [BraTSVolume] {
            try dataset.cases(ids, requireSegmentation: true, warnings: &warnings).map { try BraTSCaseLoader.load($0, requireSegmentation: true) }
        }
        say("data: \(dataset.cases.count) cases from \(root.path)\(GeneratedData.isGenerated(configuration.data) ? " (SYNTHETIC phantom)" : ""): "
            + "\(split.metaTrain.count) train, \(split.metaValidation.count) meta-validation, \(split.test.count) test")
        return (try load(split.metaTrain), try load(split.metaValidation), try load(split.test))
    }

    /// Trains (from scratch or from RUN_DIR/checkpoint), then evaluates on the test cases.
    /// With `stopAfterStep` it checkpoints and returns after that step instead (to be
    /// resumed later, e.g. across time-limited jobs); no evaluation then.
    public func run(resume: Bool, stopAfterStep: Int? = nil) throws -> (trainer: SegmentationTrainer, table: DiceTable?) {
        let folder = try TrainingRunFolder(directory: directory, configuration: configuration)
        let configurationJSON = folder.configurationJSON

        let data = try loadSplit()
        let model = try SegmentationModel(backend, architecture: configuration.architecture, seed: configuration.training.seed)
        say("model on \(backend.name):\n" + model.summary(crop: configuration.crop))
        let trainer = try SegmentationTrainer(model: model, settings: configuration.training)
        var sampler = try BraTSCropSampler(volumes: data.train, cropShape: configuration.crop, seed: configuration.training.seed)
        var metaSampler = try BraTSCropSampler(volumes: data.metaValidation, cropShape: configuration.crop,
                                               seed: configuration.training.seed &+ 1)
        let training = configuration.training
        // R meta-validation crops (batch 1 each, the reference's) per due meta step.
        let metaCrops = { (step: Int) in training.metaStepDue(atStep: step) ? training.metaBatchCount : 0 }

        let resumeStep = try folder.start(resume: resume, say: say) { checkpoint in
            try trainer.restore(from: checkpoint, file: checkpointURL.path)
            for step in 0..<checkpoint.step {   // replay the crop draws so the data continues exactly
                _ = sampler.nextBatch(size: configuration.batchSize)
                for _ in 0..<metaCrops(step) { _ = metaSampler.nextBatch(size: 1) }
            }
        }

        let metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), resumeStep: resumeStep ?? (resume ? 0 : nil))
        let progress = ProgressReporter(totalSteps: configuration.training.steps, firstStep: trainer.step)
        let names = ["FLAIR", "T1", "T1ce", "T2"]
        let shape = Shape([configuration.batchSize, configuration.architecture.modalities] + configuration.crop)
        let targetShape = Shape([configuration.batchSize, 3] + configuration.crop)
        func saveCheckpoint() throws {
            try trainer.checkpoint(metadata: ["configuration": configurationJSON]).write(to: checkpointURL)
        }
        let start = Date()
        while trainer.step < configuration.training.steps {
            let step = trainer.step
            let batch = sampler.nextBatch(size: configuration.batchSize)
            let meta = try (0..<metaCrops(step)).map { _ in
                let metaBatch = metaSampler.nextBatch(size: 1)
                return (input: try backend.upload(metaBatch.images, shape: Shape([1, configuration.architecture.modalities] + configuration.crop)),
                        targets: try backend.upload(metaBatch.targets, shape: Shape([1, 3] + configuration.crop)))
            }
            let losses = try trainer.train(input: try backend.upload(batch.images, shape: shape),
                                           targets: try backend.upload(batch.targets, shape: targetShape), metaBatches: meta)
            // The logged scalars: a few bytes per step, and the NaN guard.
            var parts: [(String, Float)] = [("dice", try backend.scalar(losses.dice)), ("bce", try backend.scalar(losses.crossEntropy))]
            if let kd = losses.distillation { parts.append(("kd", try backend.scalar(kd))) }
            if let metaLoss = losses.meta { parts.append(("meta", try backend.scalar(metaLoss))) }
            try folder.requireFinite(parts, step: step)
            let weights = try trainer.importanceWeights()
            var record: [String: Any] = ["step": step + 1, "lr": Double(configuration.training.learningRate(atStep: step)),
                                         "available": losses.availability.name(names), "weights": weights.map(Double.init),
                                         "seconds": Date().timeIntervalSince(start)]
            for (name, value) in parts { record[name] = Double(value) }
            record.merge(trainer.importance.metricsEntries(mode: training.meta)) { _, meta in meta }
            try metrics.append(record)
            progress.update(step: trainer.step, fields: parts.map { ($0.0, String(format: "%.4f", $0.1)) }
                            + [("w", zip(names, weights).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: " "))]
                            + trainer.importance.progressFields(mode: training.meta))
            if trainer.step % configuration.checkpointEvery == 0 || trainer.step == configuration.training.steps
                || trainer.step == stopAfterStep {
                try saveCheckpoint()
            }
            if trainer.step == stopAfterStep {
                say("stopped after step \(trainer.step) as asked; continue with --resume")
                return (trainer, nil)
            }
        }
        guard !data.test.isEmpty else { return (trainer, nil) }
        say("evaluating \(data.test.count) test cases x 15 modality subsets (sliding windows, overlap 1/3)")
        let table = try SegmentationEvaluator(model: model, tile: configuration.crop).evaluate(data.test)
        try TrainingRunFolder.writeEvaluation(table, csv: table.csv(), in: directory)
        return (trainer, table)
    }
}
