import Foundation
import MCKDData
import MCKDEngine

/// Everything that defines a BraTS training run; stored in the run folder and in
/// checkpoints so `--resume` continues exactly the same run.
public struct BraTSRunConfiguration: TaskConfiguration {
    public static let task = TaskKind.brats

    public var architecture = SegmentationArchitecture.small
    public var training = SegmentationTrainingSettings(steps: 300)
    public var batchSize = 2
    public var crop = [32, 32, 32]
    /// "synthetic" (the procedural phantom), "anatomical" (the anatomical phantom) or a BraTS folder.
    public var data = GeneratedData.procedural
    public var phantomCases = 24
    public var phantomSize = [64, 64, 64]
    public var metaValidationCases = 4
    public var testCases = 4
    public var checkpointEvery = 50
    /// Micro-batches per step over all processes (N ranks x --accumulate K), when more
    /// than one: the averages' order depends on it, the rank count alone does not.
    public var microBatches: Int?

    public init() {}

    public func makeModel(backend: any Backend) throws -> SegmentationModel {
        try SegmentationModel(backend, architecture: architecture, seed: training.seed)
    }

    /// Whether the run trains on a generated phantom (its results are synthetic).
    public var isSynthetic: Bool { GeneratedData.isGenerated(data) }

    /// The data folder: the user's, or a phantom generated once into the cache.
    public func dataRoot(say: (String) -> Void) throws -> URL {
        switch data {
        case GeneratedData.anatomical: return try GeneratedData.anatomicalRoot(cases: phantomCases, seed: training.seed, say: say)
        case GeneratedData.procedural: return try GeneratedData.proceduralRoot(shape: phantomSize, cases: phantomCases, seed: training.seed, say: say)
        default: return URL(fileURLWithPath: data)
        }
    }

    /// The train / meta-validation / test volumes of the run's seeded split.
    public func loadSplit(say: (String) -> Void) throws -> BraTSSplitVolumes {
        let root = try dataRoot(say: say)
        let split = try BraTSSplitVolumes(root: root, metaValidationCount: metaValidationCases, testCount: testCases, seed: training.seed)
        say("data: \(split.caseCount) cases from \(root.path)\(isSynthetic ? " (SYNTHETIC phantom)" : ""): "
            + "\(split.train.count) train, \(split.metaValidation.count) meta-validation, \(split.test.count) test")
        return split
    }
}
