import Foundation

/// One case's anatomy on the output grid: per voxel the volume fraction of every
/// compartment (WM, GM, CSF and the three tumour regions), the BraTS label and the
/// skull-stripped brain mask.
struct RasterisedAnatomy: Sendable {
    /// Indexed by `PhantomTissue.rawValue` (background stays all zero); each D x H x W.
    var fractions: [[Float]]
    var labels: [UInt8]
    var brainMask: [Bool]
}

/// Samples the deformed template and the grown tumour into output voxels. Each voxel
/// averages n^3 sub-samples (n = ceil(spacing / 1.5 mm)) read trilinearly from the 1 mm
/// template, so tissue boundaries get partial-volume fractions; a sub-sample the tumour
/// has reached gives its parenchyma (WM + GM) to the tumour region and keeps its CSF.
enum AnatomyRasteriser {
    /// Intracranial fraction from which a voxel counts as brain (BraTS is skull-stripped:
    /// everything else is exactly 0).
    static let brainThreshold: Float = 0.5
    /// Node spacing (mm) of the lattice the smooth displacement is evaluated on.
    static let displacementNodeSpacing = 6.0

    static func rasterise(template: TissueTemplate, tumour: GrownTumour, deformation: ElasticDeformation,
                          grid: BraTSGrid) -> RasterisedAnatomy {
        let (d, h, w) = (grid.shape[0], grid.shape[1], grid.shape[2])
        let count = grid.voxelCount
        var fractions = [[Float]](repeating: [Float](repeating: 0, count: count), count: PhantomTissue.allCases.count)
        let perAxis = max(1, Int((grid.spacing / 1.5).rounded(.up)))
        var offsets: [SIMD3<Double>] = []
        for k in 0..<(perAxis * perAxis * perAxis) {
            let index = SIMD3(Double(k % perAxis), Double((k / perAxis) % perAxis), Double(k / (perAxis * perAxis)))
            offsets.append(deformation.linear * (((index + 0.5) / Double(perAxis) - 0.5) * grid.spacing))
        }
        let weight = 1 / Float(offsets.count)
        let lattice = CoarseLattice(grid: grid, nodeSpacing: displacementNodeSpacing, channels: 3) { deformation.displacement(at: $0) }
        let necrosisAge = Float(tumour.parameters.necrosisAge)
        let growthFactor = abs(tumour.grid.affine[0][0] / template.affine[0][0])
        var displacement = [Double](repeating: 0, count: 3)
        var sums = [Float](repeating: 0, count: PhantomTissue.allCases.count)
        for z in 0..<d {
            for y in 0..<h {
                for x in 0..<w {
                    lattice.sample(x: x, y: y, z: z, into: &displacement)
                    let centre = deformation.templatePoint(grid.position(x: Double(x), y: Double(y), z: Double(z)),
                                                           displacement: SIMD3(displacement[0], displacement[1], displacement[2]))
                    for k in sums.indices { sums[k] = 0 }
                    for offset in offsets {
                        // Continuous template voxel coordinates, ordered (z, y, x) like the arrays.
                        let fine = TumourGrowth.voxel(of: centre + offset, in: template)
                        guard let tissue = template.fractions(at: fine), tissue.white + tissue.grey + tissue.csf > 0 else { continue }
                        let parenchyma = tissue.white + tissue.grey
                        // Growth voxel c covers template voxels f c ... f c + f - 1.
                        let coarse = (fine - (growthFactor - 1) / 2) / growthFactor
                        let state = parenchyma > 0 ? tumour.sample(x: coarse.z, y: coarse.y, z: coarse.x) : (density: 0, age: 0)
                        if let region = GrownTumour.region(density: state.density, age: state.age, necrosisAge: necrosisAge) {
                            sums[Int(region.rawValue)] += parenchyma
                        } else {
                            sums[Int(PhantomTissue.whiteMatter.rawValue)] += tissue.white
                            sums[Int(PhantomTissue.greyMatter.rawValue)] += tissue.grey
                        }
                        sums[Int(PhantomTissue.csf.rawValue)] += tissue.csf
                    }
                    let v = (z * h + y) * w + x
                    for k in sums.indices where sums[k] > 0 { fractions[k][v] = sums[k] * weight }
                }
            }
        }
        var brainMask = [Bool](repeating: false, count: count)
        for v in 0..<count { brainMask[v] = fractions.reduce(0) { $0 + $1[v] } >= brainThreshold }
        var labels = [UInt8](repeating: 0, count: count)
        for v in 0..<count where brainMask[v] {
            // The largest share decides: healthy tissue (WM + GM + CSF) against each region.
            let healthy = fractions[1][v] + fractions[2][v] + fractions[3][v]
            var best = healthy, label: UInt8 = 0
            for region in CaseRelaxometry.tumourRegions where fractions[Int(region.rawValue)][v] > best {
                best = fractions[Int(region.rawValue)][v]
                label = region.label
            }
            labels[v] = label
        }
        encloseCore(&labels, fractions: fractions, brainMask: brainMask, shape: grid.shape)
        return RasterisedAnatomy(fractions: fractions, labels: labels, brainMask: brainMask)
    }

    /// A healthy voxel of brain tissue (more WM + GM than CSF) touching the tumour core
    /// (labels 1, 4) becomes oedema: the core's leaky vessels always leave some vasogenic
    /// oedema around it, and at coarse spacings the thin infiltrated band in grey matter
    /// can otherwise fall between voxel centres. CSF next to the core stays CSF.
    static func encloseCore(_ labels: inout [UInt8], fractions: [[Float]], brainMask: [Bool], shape: [Int]) {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let core = labels.map { $0 == 1 || $0 == 4 }
        for z in 0..<d {
            for y in 0..<h {
                for x in 0..<w {
                    let v = (z * h + y) * w + x
                    let tissue = fractions[Int(PhantomTissue.whiteMatter.rawValue)][v] + fractions[Int(PhantomTissue.greyMatter.rawValue)][v]
                    guard brainMask[v], labels[v] == 0, tissue > fractions[Int(PhantomTissue.csf.rawValue)][v] else { continue }
                    let touches = (x > 0 && core[v - 1]) || (x < w - 1 && core[v + 1]) || (y > 0 && core[v - w])
                        || (y < h - 1 && core[v + w]) || (z > 0 && core[v - h * w]) || (z < d - 1 && core[v + h * w])
                    if touches { labels[v] = 2 }
                }
            }
        }
    }
}

extension TissueTemplate {
    /// Trilinear WM, GM and CSF fractions at continuous voxel coordinates p = (z, y, x)
    /// (nil outside the grid).
    @inline(__always)
    func fractions(at p: SIMD3<Double>) -> (white: Float, grey: Float, csf: Float)? {
        let (z0, y0, x0) = (Int(p.x.rounded(.down)), Int(p.y.rounded(.down)), Int(p.z.rounded(.down)))
        guard z0 >= 0, y0 >= 0, x0 >= 0, z0 + 1 < shape[0], y0 + 1 < shape[1], x0 + 1 < shape[2] else { return nil }
        let (tz, ty, tx) = (Float(p.x - Double(z0)), Float(p.y - Double(y0)), Float(p.z - Double(x0)))
        let (h, w) = (shape[1], shape[2])
        var white: Float = 0, grey: Float = 0, fluid: Float = 0
        for corner in 0..<8 {
            let (dx, dy, dz) = (corner & 1, (corner >> 1) & 1, corner >> 2)
            let weight = (dx == 1 ? tx : 1 - tx) * (dy == 1 ? ty : 1 - ty) * (dz == 1 ? tz : 1 - tz)
            let v = ((z0 + dz) * h + y0 + dy) * w + x0 + dx
            white += weight * whiteMatter[v]
            grey += weight * greyMatter[v]
            fluid += weight * csf[v]
        }
        return (white, grey, fluid)
    }
}
