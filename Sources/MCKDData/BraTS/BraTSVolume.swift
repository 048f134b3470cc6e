import Foundation

/// One preprocessed BraTS case in memory.
///
/// Axis mapping: NIfTI voxel (i, j, k) is our (W, H, D) = (x, y, z) with W
/// fastest, so the file's voxel order is already D x H x W order and no data is
/// moved: `shape = [D, H, W] = [dim3, dim2, dim1]`.
public struct BraTSVolume: Sendable, BraTSModalityHolder {
    /// Case identifier.
    public let caseID: String
    /// [D, H, W].
    public let shape: [Int]
    /// 4 x D x H x W preprocessed intensities, channels FLAIR, T1, T1ce, T2; the
    /// channel of a modality the case lacks is all zeros.
    public let image: [Float]
    /// The modalities the case has (channel order); the others are missing.
    public private(set) var availableModalities: [BraTSModality]
    /// D x H x W labels (0, 1, 2, 4), nil for predict-only cases.
    public let labels: [UInt8]?
    /// Header of the first modality file present (FLAIR when there is one), as a 3-D
    /// image: geometry for writing predictions back as NIfTI.
    public let referenceHeader: NIfTIHeader

    /// Voxels per channel (D * H * W).
    public var voxelCount: Int { shape.reduce(1, *) }

    /// Assembles a volume of a case with all four modalities; `image` must hold
    /// 4 x D x H x W values and `labels`, if any, D x H x W.
    public init(caseID: String, shape: [Int], image: [Float], labels: [UInt8]?, referenceHeader: NIfTIHeader) throws {
        let count = shape.reduce(1, *)
        guard shape.count == 3, image.count == BraTSModality.allCases.count * count, labels.map({ $0.count == count }) ?? true else {
            throw BraTSDataError(caseID: caseID, "volume arrays do not match shape \(shape)")
        }
        self.caseID = caseID
        self.shape = shape
        self.image = image
        self.labels = labels
        self.referenceHeader = referenceHeader
        self.availableModalities = BraTSModality.allCases
    }

    /// The same volume as a case that has only `modalities` (the others' channels zeros).
    /// A method rather than an init argument: Swift 6.3's release build miscompiled a
    /// six-argument throwing init called from another module (its error register came
    /// back holding the case id).
    public func having(_ modalities: [BraTSModality]) -> BraTSVolume {
        var volume = self
        volume.availableModalities = modalities
        return volume
    }

    /// ET / WT / TC targets (3 x D x H x W), or nil for predict-only cases.
    public func targets() -> [Float]? { labels.map(BraTSPreprocessing.targets(fromLabels:)) }
}
