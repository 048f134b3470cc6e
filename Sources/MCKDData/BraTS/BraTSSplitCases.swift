import Foundation

/// The cases of a BraTS folder's seeded split (`BraTSSplit`), each with labels: what a
/// training run trains, meta-validates and tests on, and what evaluation and reports of
/// the run reload. Only the file names are held; volumes are read when used
/// (`BraTSCropCases`, `BraTSCaseLoader`), so memory does not grow with the dataset.
public struct BraTSSplitCases {
    public let train: [BraTSCase]
    public let metaValidation: [BraTSCase]
    public let test: [BraTSCase]
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
        func labelled(_ ids: [String]) throws -> [BraTSCase] {
            try dataset.cases(ids, requireSegmentation: true, warnings: &warnings)
        }
        caseCount = dataset.cases.count
        modalityCaseCounts = dataset.modalityCaseCounts
        train = try labelled(split.metaTrain)
        metaValidation = try labelled(split.metaValidation)
        test = try labelled(split.test)
    }

    /// The test cases' volumes, read now (all held; small sets and tests).
    public func loadTest() throws -> [BraTSVolume] {
        try test.map { try BraTSCaseLoader.load($0, requireSegmentation: true) }
    }
}
