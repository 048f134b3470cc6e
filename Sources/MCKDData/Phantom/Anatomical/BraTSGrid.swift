/// The grid the anatomical phantom is written on: BraTS's field of view
/// (240 x 240 x 155 mm, the SRI24 space BraTS ships in, RAS, identity affine at
/// 1 mm) sampled at an isotropic `spacing`. At 1 mm it is exactly the BraTS grid;
/// coarser spacings cover the same field of view with fewer voxels.
public struct BraTSGrid: Sendable, Equatable {
    /// BraTS's extent in millimetres (x, y, z) = voxels at 1 mm.
    public static let fieldOfView = [240.0, 240.0, 155.0]

    public let spacing: Double
    /// [D, H, W].
    public let shape: [Int]
    /// BraTS millimetres of voxel (0, 0, 0).
    public let origin: SIMD3<Double>

    /// The field of view at `spacing` mm (0.5 ... 8): each axis has round(extent / spacing) voxels.
    public init(spacing: Double) throws {
        guard spacing.isFinite, (0.5...8).contains(spacing) else {
            throw BraTSDataError(caseID: nil, "phantom voxel spacing \(spacing) mm must lie in 0.5...8")
        }
        self.spacing = spacing
        let counts = Self.fieldOfView.map { Int(($0 / spacing).rounded()) }
        shape = [counts[2], counts[1], counts[0]]
        // Voxel centres spread symmetrically about the centre of the 1 mm grid, so spacing 1 gives the identity.
        let centre = Self.fieldOfView.map { ($0 - 1) / 2 }
        origin = SIMD3((0..<3).map { centre[$0] - Double(counts[$0] - 1) / 2 * spacing })
    }

    public var voxelCount: Int { shape.reduce(1, *) }

    /// Voxel (i, j, k) = (x, y, z) to BraTS millimetres, for the NIfTI header.
    public var affine: [[Double]] {
        (0..<3).map { axis in
            var row = [0.0, 0.0, 0.0, origin[axis]]
            row[axis] = spacing
            return row
        } + [[0, 0, 0, 1]]
    }

    /// BraTS millimetres of voxel (x, y, z) (continuous indices allowed).
    @inline(__always)
    func position(x: Double, y: Double, z: Double) -> SIMD3<Double> { origin + spacing * SIMD3(x, y, z) }
}
