/// A batch of training crops, NCDHW with W fastest.
public struct BraTSBatch: Sendable {
    /// Cases the crops came from, one per batch item.
    public let caseIDs: [String]
    /// Crop size [d, h, w].
    public let cropShape: [Int]
    /// N x 4 x d x h x w intensities (FLAIR, T1, T1ce, T2).
    public let images: [Float]
    /// N x 3 x d x h x w targets (ET, WT, TC), 0 or 1.
    public let targets: [Float]

    /// Number of crops.
    public var count: Int { caseIDs.count }
}
