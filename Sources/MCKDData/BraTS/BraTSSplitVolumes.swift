import Foundation

/// The volumes of a BraTS folder's seeded split (`BraTSSplit`), loaded with their labels:
/// what a training run trains, meta-validates and tests on, and what evaluation and
/// reports of the run reload.
public struct BraTSSplitVolumes {
    public let train: [BraTSVolume]
    public let metaValidation: [BraTSVolume]
    public let test: [BraTSVolume]
    /// Cases the folder holds.
    public let caseCount: Int
    /// Per modality (channel order), how many of the folder's cases have its image.
    public let modalityCaseCounts: [Int]

    /// - Parameters:
    ///   - root: a BraTS-layout folder (real data, or a generated phantom).
    ///   - metaValidationCount: cases held out for the importance weights.
    ///   - testCount: cases held out for the final evaluation.
    ///   - seed: the split's seed (the run's).
    public init(root: URL, metaValidationCount: Int, testCount: Int, seed: UInt64) throws {
        let dataset = try BraTSDataset(scanning: root)
        let split = try BraTSSplit(seededFrom: dataset.cases.map(\.id), metaValidationCount: metaValidationCount,
                                   testCount: testCount, seed: seed)
        var warnings: [String] = []
        func load(_ ids: [String]) throws -> [BraTSVolume] {
            try dataset.cases(ids, requireSegmentation: true, warnings: &warnings).map { try BraTSCaseLoader.load($0, requireSegmentation: true) }
        }
        caseCount = dataset.cases.count
        modalityCaseCounts = dataset.modalityCaseCounts
        train = try load(split.metaTrain)
        metaValidation = try load(split.metaValidation)
        test = try load(split.test)
    }
}
