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
    /// Per modality (FLAIR, T1, T1ce, T2), how many cases of the data folder have its
    /// image; recorded only when some case lacks one (nil, and not written, otherwise).
    public var modalityCaseCounts: [Int]?
    /// Micro-batches per step over all processes (N ranks x --accumulate K), when more
    /// than one: the averages' order depends on it, the rank count alone does not.
    public var microBatches: Int?
    /// How training crops draw their random numbers; nil (runs written before the choice
    /// existed, whose folders must resume bitwise): one sequential stream.
    public var cropDrawing: BraTSCropSampler.Drawing?

    public init() {}

    public func makeModel(backend: any Backend) throws -> SegmentationModel {
        try SegmentationModel(backend, architecture: architecture, seed: training.seed)
    }

    /// Whether the run trains on a generated phantom (its results are synthetic).
    public var isSynthetic: Bool { GeneratedData.isGenerated(data) }

    /// Under mpirun, rank 0 generates a phantom missing from the cache (or checks the data
    /// folder) while the others wait, so that they then read it instead of all writing it.
    public func prepareDataOnce(communicator: any Communicator, say: (String) -> Void) throws {
        guard communicator.size > 1 else { return }
        if communicator.isRoot { _ = try dataRoot(say: say) }
        try communicator.barrier(name: "data preparation", watched: false)
    }

    /// The data folder: the user's, or a phantom generated once into the cache.
    public func dataRoot(say: (String) -> Void) throws -> URL {
        switch data {
        case GeneratedData.anatomical: return try GeneratedData.anatomicalRoot(cases: phantomCases, seed: training.seed, say: say)
        case GeneratedData.procedural: return try GeneratedData.proceduralRoot(shape: phantomSize, cases: phantomCases, seed: training.seed, say: say)
        default: return URL(fileURLWithPath: data)
        }
    }

    /// The train / meta-validation / test cases of the run's seeded split (their files;
    /// volumes are read when used).
    public func loadSplit(say: (String) -> Void) throws -> BraTSSplitCases {
        let root = try dataRoot(say: say)
        let split = try BraTSSplitCases(root: root, metaValidationCount: metaValidationCases, testCount: testCases, seed: training.seed)
        say("data: \(split.caseCount) cases from \(root.path)\(isSynthetic ? " (SYNTHETIC phantom)" : ""): "
            + "\(split.train.count) train, \(split.metaValidation.count) meta-validation, \(split.test.count) test")
        if split.modalityCaseCounts.contains(where: { $0 < split.caseCount }) {
            say("incomplete cases (missing modalities are missing for those samples): " + Self.describe(modalityCaseCounts: split.modalityCaseCounts, of: split.caseCount))
        }
        return split
    }

    /// Records how many cases of a BraTS data folder have each modality when some case
    /// lacks one (nothing for the phantoms, which are complete).
    public mutating func recordModalityCaseCounts() throws {
        guard !isSynthetic else { return }
        let dataset = try BraTSDataset(scanning: URL(fileURLWithPath: data))
        modalityCaseCounts = dataset.isComplete ? nil : dataset.modalityCaseCounts
    }

    /// "FLAIR 10, T1 9, T1ce 7, T2 10 of 10 cases".
    public static func describe(modalityCaseCounts counts: [Int], of total: Int? = nil) -> String {
        zip(BraTSModality.allCases, counts).map { "\($0.displayName) \($1)" }.joined(separator: ", ") + (total.map { " of \($0) cases" } ?? " cases")
    }
}
