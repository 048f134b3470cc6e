/// One generated synthetic case, in memory. Arrays are D x H x W with W fastest.
public struct PhantomCase: Sendable {
    /// Case identifier (also the folder and file-name stem when written).
    public let id: String
    /// [D, H, W].
    public let shape: [Int]
    /// Tissue class per voxel (`PhantomTissue` raw values).
    public let tissue: [UInt8]
    /// BraTS labels per voxel (0, 1, 2, 4).
    public let labels: [UInt8]
    /// Intensities per modality in channel order FLAIR, T1, T1ce, T2:
    /// non-negative, exactly 0 outside the brain (skull-stripped, like BraTS).
    public let modalities: [[Float]]
}
