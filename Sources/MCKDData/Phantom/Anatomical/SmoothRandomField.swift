import Foundation

/// A smooth random scalar field over millimetre space with mean 0 and variance about 1:
/// a sum of random cosines whose wave vectors are drawn from a Gaussian spectrum, so
/// its correlation falls off as exp(-r^2 / (2 l^2)) (random Fourier features,
/// Rahimi and Recht 2007). Used for the elastic deformation, the coil's bias field and
/// the tumour's tissue heterogeneity.
struct SmoothRandomField: Sendable {
    private let waves: [SIMD3<Double>]
    private let phases: [Double]
    private let amplitude: Double

    /// `correlationLength` l in mm; more components make the field more Gaussian.
    init(correlationLength: Double, components: Int = 16, generator: inout SplitMix64) {
        var waves: [SIMD3<Double>] = [], phases: [Double] = []
        for _ in 0..<components {
            waves.append(SIMD3(generator.normal(), generator.normal(), generator.normal()) / correlationLength)
            phases.append(generator.uniform(0...(2 * Double.pi)))
        }
        self.waves = waves
        self.phases = phases
        amplitude = (2 / Double(components)).squareRoot()
    }

    @inline(__always)
    func value(at point: SIMD3<Double>) -> Double {
        var sum = 0.0
        for k in waves.indices { sum += cos((waves[k] * point).sum() + phases[k]) }
        return amplitude * sum
    }
}

/// Fields far smoother than the voxel grid, evaluated on a coarse lattice of the output
/// grid and read back trilinearly: evaluating them at every voxel of a 1 mm BraTS
/// grid would cost more than the rest of the case.
struct CoarseLattice: Sendable {
    /// Output voxels between lattice nodes.
    let stride: Int
    /// Nodes per axis (D, H, W).
    let nodes: [Int]
    let channels: Int
    private let values: [Double]

    /// Evaluates `fields` (each giving `channels` values at a BraTS millimetre position)
    /// every `nodeSpacing` mm over `grid`.
    init(grid: BraTSGrid, nodeSpacing: Double, channels: Int, fields: (SIMD3<Double>) -> [Double]) {
        let stride = max(1, Int((nodeSpacing / grid.spacing).rounded()))
        let nodes = grid.shape.map { ($0 - 1) / stride + 2 }
        self.stride = stride
        self.nodes = nodes
        self.channels = channels
        var values = [Double](repeating: 0, count: nodes.reduce(1, *) * channels)
        for z in 0..<nodes[0] {
            for y in 0..<nodes[1] {
                for x in 0..<nodes[2] {
                    let point = grid.position(x: Double(x * stride), y: Double(y * stride), z: Double(z * stride))
                    let base = ((z * nodes[1] + y) * nodes[2] + x) * channels
                    for (c, value) in fields(point).prefix(channels).enumerated() { values[base + c] = value }
                }
            }
        }
        self.values = values
    }

    /// The interpolated fields at output voxel (x, y, z), written into `result`.
    @inline(__always)
    func sample(x: Int, y: Int, z: Int, into result: inout [Double]) {
        let s = Double(stride)
        let (fx, fy, fz) = (Double(x) / s, Double(y) / s, Double(z) / s)
        let (x0, y0, z0) = (x / stride, y / stride, z / stride)
        let (tx, ty, tz) = (fx - Double(x0), fy - Double(y0), fz - Double(z0))
        for c in 0..<channels { result[c] = 0 }
        for corner in 0..<8 {
            let (dx, dy, dz) = (corner & 1, (corner >> 1) & 1, corner >> 2)
            let weight = (dx == 1 ? tx : 1 - tx) * (dy == 1 ? ty : 1 - ty) * (dz == 1 ? tz : 1 - tz)
            guard weight > 0 else { continue }
            let base = (((z0 + dz) * nodes[1] + y0 + dy) * nodes[2] + x0 + dx) * channels
            for c in 0..<channels { result[c] += weight * values[base + c] }
        }
    }
}
