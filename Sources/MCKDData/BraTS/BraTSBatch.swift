/// A batch of training crops, NCDHW with W fastest.
public struct BraTSBatch: Sendable {
    /// Cases the crops came from, one per batch item.
    public let caseIDs: [String]
    /// The cases of every crop of the global batch this one is a share of (a rank's
    /// share keeps only its crops; each sample's own modalities come from all of them).
    public let drawnCaseIDs: [String]
    /// Crop size [d, h, w].
    public let cropShape: [Int]
    /// N x 4 x d x h x w intensities (FLAIR, T1, T1ce, T2).
    public let images: [Float]
    /// N x 3 x d x h x w targets (ET, WT, TC), 0 or 1.
    public let targets: [Float]

    /// Number of crops.
    public var count: Int { caseIDs.count }

    /// `count` crops from crop `start` on (a micro-batch).
    public func slice(_ start: Int, count: Int) -> BraTSBatch {
        guard start != 0 || count != self.count else { return self }
        let voxels = cropShape.reduce(1, *)
        return BraTSBatch(caseIDs: Array(caseIDs[start..<(start + count)]), drawnCaseIDs: drawnCaseIDs, cropShape: cropShape,
                          images: Array(images[(start * 4 * voxels)..<((start + count) * 4 * voxels)]),
                          targets: Array(targets[(start * 3 * voxels)..<((start + count) * 3 * voxels)]))
    }
}
