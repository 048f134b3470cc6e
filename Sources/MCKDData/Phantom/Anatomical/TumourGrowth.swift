import Foundation

/// One glioma's growth parameters (Fisher-Kolmogorov / proliferation-invasion model).
public struct TumourGrowthParameters: Sendable, Equatable {
    /// Cell diffusion in white matter, mm^2/day.
    public var whiteMatterDiffusion: Double
    /// Net proliferation rate, 1/day.
    public var proliferation: Double
    /// Growth stops when the dense core (density >= 80%: enhancing and necrotic) reaches this many cm^3.
    public var targetCoreVolume: Double
    /// Cells that have stayed at >= 80% density this many days die (the necrotic core).
    public var necrosisAge: Double
    /// Where the first cells sit, template (MNI) millimetres.
    public var origin: SIMD3<Double>

    public init(whiteMatterDiffusion: Double, proliferation: Double, targetCoreVolume: Double, necrosisAge: Double, origin: SIMD3<Double>) {
        self.whiteMatterDiffusion = whiteMatterDiffusion
        self.proliferation = proliferation
        self.targetCoreVolume = targetCoreVolume
        self.necrosisAge = necrosisAge
        self.origin = origin
    }
}

/// A grown tumour on the growth grid: normalised cell density u (0...1) and how long
/// each voxel has been at the enhancing density.
public struct GrownTumour: Sendable {
    /// Density at which tumour enhances on T1-Gd (Swanson et al.'s detection thresholds:
    /// 80% of the maximum cell density on T1-Gd, 16% on T2/FLAIR).
    public static let enhancingDensity: Float = 0.8
    public static let visibleDensity: Float = 0.16

    /// The grid the tumour grew on (the template downsampled).
    public let grid: TissueTemplate
    public let density: [Float]
    /// Days spent at >= `enhancingDensity`.
    public let ageAtEnhancingDensity: [Float]
    public let parameters: TumourGrowthParameters
    public let days: Double
    public let steps: Int
    /// Voxel bounds (inclusive, D H W order) outside which the density is 0.
    let lower: [Int], upper: [Int]

    /// The BraTS region a voxel with this density and age belongs to (nil: healthy).
    public static func region(density: Float, age: Float, necrosisAge: Float) -> PhantomTissue? {
        if age >= necrosisAge { return .necrosis }
        if density >= enhancingDensity { return .enhancing }
        if density >= visibleDensity { return .oedema }
        return nil
    }

    /// Density and age, trilinear, at growth-grid voxel coordinates (x, y, z); zero outside.
    @inline(__always)
    func sample(x: Double, y: Double, z: Double) -> (density: Float, age: Float) {
        let (x0, y0, z0) = (Int(x.rounded(.down)), Int(y.rounded(.down)), Int(z.rounded(.down)))
        guard z0 + 1 >= lower[0], z0 <= upper[0], y0 + 1 >= lower[1], y0 <= upper[1], x0 + 1 >= lower[2], x0 <= upper[2] else {
            return (0, 0)
        }
        let (tx, ty, tz) = (Float(x - Double(x0)), Float(y - Double(y0)), Float(z - Double(z0)))
        let (d, h, w) = (grid.shape[0], grid.shape[1], grid.shape[2])
        var u: Float = 0, age: Float = 0
        for corner in 0..<8 {
            let (xi, yi, zi) = (x0 + (corner & 1), y0 + ((corner >> 1) & 1), z0 + (corner >> 2))
            guard xi >= 0, yi >= 0, zi >= 0, xi < w, yi < h, zi < d else { continue }
            let weight = (corner & 1 == 1 ? tx : 1 - tx) * ((corner >> 1) & 1 == 1 ? ty : 1 - ty) * (corner >> 2 == 1 ? tz : 1 - tz)
            let v = (zi * h + yi) * w + xi
            u += weight * density[v]
            age += weight * ageAtEnhancingDensity[v]
        }
        return (u, age)
    }
}

/// The tissue a tumour grows through, on the growth grid (the template downsampled):
/// each voxel's parenchyma fraction, and for each face between neighbours a diffusion
/// conductance relative to white matter's, taken from the 1 mm maps: the mean over the
/// fine voxel pairs straddling the face of the harmonic mean of f_WM + r f_GM. A sheet of
/// CSF one millimetre thick (a sulcus, a ventricle wall) so stops cells even where the
/// coarse voxels on both sides hold tissue. The averaged template blurs the
/// interhemispheric fissure into grey matter, so the mid-sagittal plane of the symmetric
/// template (MNI x = 0) is made a wall, as the falx is, except where white matter crosses
/// it (the corpus callosum and the commissures).
public struct GrowthMedium: Sendable {
    /// Grey-matter diffusion as a fraction of white matter's (Swanson et al. 2000: 1/5).
    public static let greyToWhiteDiffusion: Float = 0.2
    /// Voxels with less parenchyma than this hold no tumour cells.
    static let minimumParenchyma: Float = 0.05

    public let grid: TissueTemplate
    public let parenchyma: [Float]
    /// [axis][v]: conductance of the face between v and its next neighbour along the axis (D, H, W).
    let conductance: [[Float]]

    public init(template: TissueTemplate, factor: Int) throws {
        grid = try template.downsampled(by: factor)
        parenchyma = zip(grid.whiteMatter, grid.greyMatter).map { $0 + $1 }
        let fine = template.shape, coarse = grid.shape
        let fineStrides = [fine[1] * fine[2], fine[2], 1], coarseStrides = [coarse[1] * coarse[2], coarse[2], 1]
        var mobility = zip(template.whiteMatter, template.greyMatter).map { $0 + Self.greyToWhiteDiffusion * $1 }
        let midline = Int((-template.affine[0][3] / template.affine[0][0]).rounded())
        if (0..<fine[2]).contains(midline) {
            for row in 0..<(fine[0] * fine[1]) {
                let v = row * fine[2] + midline
                if template.whiteMatter[v] < 0.5 { mobility[v] = 0 }
            }
        }
        var conductance = [[Float]](repeating: [Float](repeating: 0, count: grid.whiteMatter.count), count: 3)
        for axis in 0..<3 {
            let (a, b) = axis == 0 ? (1, 2) : axis == 1 ? (0, 2) : (0, 1)
            for v in 0..<grid.whiteMatter.count {
                var c = [v / coarseStrides[0], (v / coarseStrides[1]) % coarse[1], v % coarse[2]]
                // The grid's outermost layer takes no cells (growth never updates it): no flux out of the grid.
                let inner = (0..<3).allSatisfy { c[$0] >= 1 && c[$0] + ($0 == axis ? 2 : 1) < coarse[$0] }
                guard inner, parenchyma[v] >= Self.minimumParenchyma,
                      parenchyma[v + coarseStrides[axis]] >= Self.minimumParenchyma else { continue }
                // Fine voxels on either side of the face: the last layer of c and the first of c + 1.
                let lastLayer = c[axis] * factor + factor - 1
                guard lastLayer + 1 < fine[axis] else { continue }
                c[axis] = 0
                var sum: Float = 0, pairs: Float = 0
                for i in (c[a] * factor)..<min(fine[a], c[a] * factor + factor) {
                    for j in (c[b] * factor)..<min(fine[b], c[b] * factor + factor) {
                        let near = lastLayer * fineStrides[axis] + i * fineStrides[a] + j * fineStrides[b]
                        let (m, n) = (mobility[near], mobility[near + fineStrides[axis]])
                        if m > 0 && n > 0 { sum += 2 * m * n / (m + n) }
                        pairs += 1
                    }
                }
                conductance[axis][v] = sum / pairs
            }
        }
        self.conductance = conductance
    }
}

/// Grows a glioma in the template's tissue by the Fisher-Kolmogorov (proliferation-
/// invasion) equation (Swanson, Alvord and Murray 2000):
///
///   du/dt = div(D(x) grad u) + rho u (1 - u),   D = D_w (f_WM + f_GM / 5),
///
/// u the cell density as a fraction of the tissue's capacity. Cells do not enter CSF
/// (zero conductance, `GrowthMedium`) and migrate five times faster in white matter, so
/// the visible tumour spreads along it. Explicit Euler on the growth grid, the time step
/// at 90% of the stability limit; only the box the tumour has reached is updated.
public enum TumourGrowth {
    /// Steps after which growth stops even if the target volume is not reached.
    static let maximumSteps = 4000

    public static func grow(in medium: GrowthMedium, parameters: TumourGrowthParameters) -> GrownTumour {
        let grid = medium.grid
        let (h, w) = (grid.shape[1], grid.shape[2])
        let count = grid.whiteMatter.count
        let spacing = abs(grid.affine[0][0])   // isotropic growth grid
        let voxelVolume = spacing * spacing * spacing / 1000   // cm^3
        let dt = min(1, 0.9 * spacing * spacing / (6 * parameters.whiteMatterDiffusion))
        let rate = Float(parameters.proliferation * dt)
        let scale = Float(parameters.whiteMatterDiffusion * dt / (spacing * spacing))

        // Seed: a small Gaussian of cells (sigma 3 mm, full density at its centre) in the parenchyma.
        let centre = voxel(of: parameters.origin, in: grid)
        var density = [Float](repeating: 0, count: count)
        var lower = [0, 0, 0], upper = [0, 0, 0]
        let reach = Int((9 / spacing).rounded(.up))
        for axis in 0..<3 {
            let c = Int(centre[axis].rounded())
            lower[axis] = max(1, c - reach)
            upper[axis] = min(grid.shape[axis] - 2, c + reach)
        }
        for z in lower[0]...upper[0] {
            for y in lower[1]...upper[1] {
                for x in lower[2]...upper[2] {
                    let v = (z * h + y) * w + x
                    let r2 = (SIMD3(Double(z), Double(y), Double(x)) - centre).squared() * spacing * spacing
                    if medium.parenchyma[v] >= GrowthMedium.minimumParenchyma { density[v] = Float(exp(-r2 / 18)) }
                }
            }
        }
        var next = density
        var age = [Float](repeating: 0, count: count)
        var steps = 0
        while steps < maximumSteps {
            let core = step(from: density, into: &next, age: &age, medium: medium, lower: lower, upper: upper,
                            scale: scale, rate: rate, dt: Float(dt)) * voxelVolume
            swap(&density, &next)
            steps += 1
            if core >= parameters.targetCoreVolume { break }
            widen(&lower, &upper, density: density, shape: grid.shape)
        }
        return GrownTumour(grid: grid, density: density, ageAtEnhancingDensity: age, parameters: parameters,
                           days: Double(steps) * dt, steps: steps, lower: lower, upper: upper)
    }

    /// Continuous growth-grid voxel coordinates (z, y, x) of template millimetres `point`.
    static func voxel(of point: SIMD3<Double>, in grid: TissueTemplate) -> SIMD3<Double> {
        let a = grid.affine   // diagonal: the template grids are axis-aligned
        return SIMD3((point.z - a[2][3]) / a[2][2], (point.y - a[1][3]) / a[1][1], (point.x - a[0][3]) / a[0][0])
    }

    /// One Euler step over the box; returns the parenchyma (voxels) at >= the enhancing density.
    private static func step(from density: [Float], into next: inout [Float], age: inout [Float], medium: GrowthMedium,
                             lower: [Int], upper: [Int], scale: Float, rate: Float, dt: Float) -> Double {
        let (h, w) = (medium.grid.shape[1], medium.grid.shape[2])
        var core = 0.0
        density.withUnsafeBufferPointer { u in
            medium.conductance[0].withUnsafeBufferPointer { gz in
                medium.conductance[1].withUnsafeBufferPointer { gy in
                    medium.conductance[2].withUnsafeBufferPointer { gx in
                        medium.parenchyma.withUnsafeBufferPointer { p in
                            next.withUnsafeMutableBufferPointer { out in
                                age.withUnsafeMutableBufferPointer { days in
                                    for z in lower[0]...upper[0] {
                                        for y in lower[1]...upper[1] {
                                            for x in lower[2]...upper[2] {
                                                let v = (z * h + y) * w + x
                                                guard p[v] >= GrowthMedium.minimumParenchyma else { continue }
                                                let uv = u[v]
                                                var flux = gx[v] * (u[v + 1] - uv) + gx[v - 1] * (u[v - 1] - uv)
                                                flux += gy[v] * (u[v + w] - uv) + gy[v - w] * (u[v - w] - uv)
                                                flux += gz[v] * (u[v + h * w] - uv) + gz[v - h * w] * (u[v - h * w] - uv)
                                                let updated = min(1, max(0, uv + scale * flux + rate * uv * (1 - uv)))
                                                out[v] = updated
                                                if updated >= GrownTumour.enhancingDensity {
                                                    days[v] += dt
                                                    core += Double(p[v])
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return core
    }

    /// Widens the updated box by one voxel on every side the density has reached, keeping
    /// one voxel from the grid's edge so the stencil stays inside.
    private static func widen(_ lower: inout [Int], _ upper: inout [Int], density: [Float], shape: [Int]) {
        let strides = [shape[1] * shape[2], shape[2], 1]
        func reached(axis: Int, at index: Int) -> Bool {
            let (a, b) = axis == 0 ? (1, 2) : axis == 1 ? (0, 2) : (0, 1)
            for i in lower[a]...upper[a] {
                for j in lower[b]...upper[b] where density[index * strides[axis] + i * strides[a] + j * strides[b]] > 1e-6 {
                    return true
                }
            }
            return false
        }
        for axis in 0..<3 {
            if lower[axis] > 1, reached(axis: axis, at: lower[axis]) { lower[axis] -= 1 }
            if upper[axis] < shape[axis] - 2, reached(axis: axis, at: upper[axis]) { upper[axis] += 1 }
        }
    }
}

private extension SIMD3 where Scalar == Double {
    func squared() -> Double { (self * self).sum() }
}
