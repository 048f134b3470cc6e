/// The NIfTI header fields this project reads, keeps and writes back.
/// Floating-point fields are held as `Double` so NIfTI-2 values survive a round trip.
public struct NIfTIHeader: Equatable, Sendable {
    /// NIfTI-1 (348-byte header) or NIfTI-2 (540-byte header).
    public enum Version: Int, Sendable { case nifti1 = 1, nifti2 = 2 }

    /// Header format.
    public var version: Version = .nifti1
    /// Extents of the used dimensions (dim[1...dim[0]]); 1 to 7 entries, each at least 1.
    public var shape: [Int] = [1]
    /// pixdim[0...7]: pixdim[0] is qfac (the sign of the third axis in the qform),
    /// pixdim[1...] are voxel sizes / the time step.
    public var pixdim: [Double] = [1, 1, 1, 1, 1, 1, 1, 1]
    /// On-disk voxel type.
    public var datatype: NIfTIDataType = .float32
    /// Byte offset of the voxel data in the (decompressed) file.
    public var voxOffset: Int = 352
    /// Stored = (value - inter) / slope; slope 0 (or not finite) means no scaling.
    public var sclSlope: Double = 0
    /// Intercept of the scaling (ignored when the slope means no scaling).
    public var sclInter: Double = 0
    /// 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template.
    public var qformCode: Int = 0
    /// Same codes as `qformCode`, for the general affine in `srowX/Y/Z`.
    public var sformCode: Int = 0
    /// Quaternion b, c, d of the qform rotation (a is derived).
    public var quaternB: Double = 0, quaternC: Double = 0, quaternD: Double = 0
    /// Translation of the qform.
    public var qoffsetX: Double = 0, qoffsetY: Double = 0, qoffsetZ: Double = 0
    /// Rows of the sform affine (voxel i,j,k,1 to x, y, z).
    public var srowX: [Double] = [1, 0, 0, 0]
    public var srowY: [Double] = [0, 1, 0, 0]
    public var srowZ: [Double] = [0, 0, 1, 0]
    /// Units of space and time (NIfTI xyzt_units bit field).
    public var xyztUnits: Int = 0
    /// Frequency/phase/slice axes (NIfTI dim_info bit field).
    public var dimInfo: UInt8 = 0
    /// Display range hints.
    public var calMin: Double = 0, calMax: Double = 0
    /// Statistical intent code, its parameters and name.
    public var intentCode: Int = 0
    public var intentP1: Double = 0, intentP2: Double = 0, intentP3: Double = 0
    public var intentName: String = ""
    /// Slice timing fields.
    public var sliceCode: Int = 0, sliceStart: Int = 0, sliceEnd: Int = 0
    public var sliceDuration: Double = 0, toffset: Double = 0
    /// Free-text description (79 characters at most are written).
    public var descrip: String = ""
    /// Auxiliary file name (23 characters at most are written).
    public var auxFile: String = ""

    /// A header with defaults (NIfTI-1, float32, no scaling, no orientation codes).
    public init() {}

    /// Number of voxels (product of `shape`); callers validate the shape first.
    public var voxelCount: Int { shape.reduce(1, *) }

    /// True when `sclSlope` asks for scaling (nonzero and finite).
    public var hasScaling: Bool { sclSlope != 0 && sclSlope.isFinite }

    /// The larger of the two versions' headers plus the extension flag: enough bytes
    /// to decode either header.
    public static let largestHeaderSize = 540 + 4

    /// Header size in bytes for this version.
    public var headerSize: Int { version == .nifti1 ? 348 : 540 }
}
