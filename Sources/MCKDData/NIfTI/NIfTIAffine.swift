import Foundation

/// The voxel-to-world affine of a NIfTI header, chosen as the NIfTI standard
/// and nibabel do: the sform when its code is > 0, else the qform (quaternion)
/// when its code is > 0, else a diagonal of the voxel sizes.
extension NIfTIHeader {
    /// 4x4 row-major affine mapping voxel (i, j, k, 1) to world (x, y, z, 1).
    public var affine: [[Double]] {
        if sformCode > 0 {
            return [srowX, srowY, srowZ, [0, 0, 0, 1]]
        }
        if qformCode > 0 {
            return qformAffine
        }
        return [[pixdim[1], 0, 0, 0], [0, pixdim[2], 0, 0], [0, 0, pixdim[3], 0], [0, 0, 0, 1]]
    }

    /// Which of the three sources `affine` used, for display.
    public var affineSource: String {
        sformCode > 0 ? "sform" : (qformCode > 0 ? "qform" : "pixdim")
    }

    /// The affine the quaternion fields describe (whatever `qformCode` says).
    public var qformAffine: [[Double]] {
        let b = quaternB, c = quaternC, d = quaternD
        // a is implied by |q| = 1; rounding can make 1 - b²-c²-d² slightly negative.
        let a = (max(0, 1 - (b * b + c * c + d * d))).squareRoot()
        let rotation = [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
        ]
        let qfac: Double = pixdim[0] < 0 ? -1 : 1
        let scale = [pixdim[1], pixdim[2], pixdim[3] * qfac]
        let offset = [qoffsetX, qoffsetY, qoffsetZ]
        var result = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for row in 0..<3 {
            for column in 0..<3 { result[row][column] = rotation[row][column] * scale[column] }
            result[row][3] = offset[row]
        }
        result[3] = [0, 0, 0, 1]
        return result
    }

    /// Sets both the sform and a matching qform from a 4x4 affine, with the
    /// given code for both, and the voxel sizes from the affine's column norms.
    /// The qform keeps only the rotation part (shears live in the sform alone).
    public mutating func setAffine(_ matrix: [[Double]], code: Int = 1) {
        srowX = matrix[0]; srowY = matrix[1]; srowZ = matrix[2]
        sformCode = code
        qformCode = code
        var columns = (0..<3).map { column in (0..<3).map { matrix[$0][column] } }
        let sizes = columns.map { v in (v.map { $0 * $0 }.reduce(0, +)).squareRoot() }
        for k in 0..<3 where sizes[k] > 0 { columns[k] = columns[k].map { $0 / sizes[k] } }
        // A left-handed frame is stored as a rotation with qfac = -1 on the third axis.
        let determinant = columns[0][0] * (columns[1][1] * columns[2][2] - columns[2][1] * columns[1][2])
            - columns[1][0] * (columns[0][1] * columns[2][2] - columns[2][1] * columns[0][2])
            + columns[2][0] * (columns[0][1] * columns[1][2] - columns[1][1] * columns[0][2])
        let qfac: Double = determinant < 0 ? -1 : 1
        if qfac < 0 { columns[2] = columns[2].map { -$0 } }
        // Rotation matrix R[row][column] = columns[column][row]; quaternion from it.
        let r = (0..<3).map { row in (0..<3).map { columns[$0][row] } }
        var a = 1 + r[0][0] + r[1][1] + r[2][2]
        var b: Double, c: Double, d: Double
        if a > 0.5 {
            a = 0.5 * a.squareRoot()
            b = 0.25 * (r[2][1] - r[1][2]) / a
            c = 0.25 * (r[0][2] - r[2][0]) / a
            d = 0.25 * (r[1][0] - r[0][1]) / a
        } else {
            let xd = 1 + r[0][0] - (r[1][1] + r[2][2])
            let yd = 1 + r[1][1] - (r[0][0] + r[2][2])
            let zd = 1 + r[2][2] - (r[0][0] + r[1][1])
            if xd > 1 {
                b = 0.5 * xd.squareRoot(); c = 0.25 * (r[0][1] + r[1][0]) / b
                d = 0.25 * (r[0][2] + r[2][0]) / b; a = 0.25 * (r[2][1] - r[1][2]) / b
            } else if yd > 1 {
                c = 0.5 * yd.squareRoot(); b = 0.25 * (r[0][1] + r[1][0]) / c
                d = 0.25 * (r[1][2] + r[2][1]) / c; a = 0.25 * (r[0][2] - r[2][0]) / c
            } else {
                d = 0.5 * zd.squareRoot(); b = 0.25 * (r[0][2] + r[2][0]) / d
                c = 0.25 * (r[1][2] + r[2][1]) / d; a = 0.25 * (r[1][0] - r[0][1]) / d
            }
            if a < 0 { b = -b; c = -c; d = -d }
        }
        quaternB = b; quaternC = c; quaternD = d
        qoffsetX = matrix[0][3]; qoffsetY = matrix[1][3]; qoffsetZ = matrix[2][3]
        pixdim[0] = qfac
        for k in 0..<3 { pixdim[k + 1] = sizes[k] }
    }
}
