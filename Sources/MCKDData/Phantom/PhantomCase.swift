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
    /// Voxel (i, j, k) to millimetres for the written files; nil: 1 mm voxels centred on the origin.
    public var affine: [[Double]]? = nil

    /// `prefix` and the 1-based case number, zero-padded to four digits (`Synth_0001`).
    public static func numberedID(_ prefix: String, index: Int) -> String {
        let number = String(index + 1)
        return prefix + "_" + String(repeating: "0", count: max(0, 4 - number.count)) + number
    }

    public init(id: String, shape: [Int], tissue: [UInt8], labels: [UInt8], modalities: [[Float]], affine: [[Double]]? = nil) {
        self.id = id
        self.shape = shape
        self.tissue = tissue
        self.labels = labels
        self.modalities = modalities
        self.affine = affine
    }
}
