import Foundation

/// Random smooth deformation of a radius: 1 + sum of three sine lobes over the
/// direction, so shapes are blobby but stay star-shaped around their centre.
struct RadialLobes {
    private let directions: [(Double, Double, Double)]
    private let frequencies: [Double]
    private let phases: [Double]
    private let amplitudes: [Double]

    /// `amplitude` bounds the total relative change of the radius.
    init(amplitude: Double, generator: inout SplitMix64) {
        var directions: [(Double, Double, Double)] = []
        var frequencies: [Double] = [], phases: [Double] = [], amplitudes: [Double] = []
        for _ in 0..<3 {
            let (a, b, c) = (generator.normal(), generator.normal(), generator.normal())
            let norm = max(1e-9, (a * a + b * b + c * c).squareRoot())
            directions.append((a / norm, b / norm, c / norm))
            frequencies.append(generator.uniform(1.5...4))
            phases.append(generator.uniform(0...(2 * Double.pi)))
            amplitudes.append(generator.uniform(0...1) * amplitude / 3)
        }
        self.directions = directions
        self.frequencies = frequencies
        self.phases = phases
        self.amplitudes = amplitudes
    }

    /// Radius factor for the unit direction (x, y, z).
    @inline(__always)
    func factor(_ x: Double, _ y: Double, _ z: Double) -> Double {
        var value = 1.0
        for k in 0..<3 {
            let (a, b, c) = directions[k]
            value += amplitudes[k] * sin(frequencies[k] * (a * x + b * y + c * z) + phases[k])
        }
        return value
    }
}

/// Builds the tissue map of one phantom head: a deformed brain ellipsoid
/// (white-matter core, grey-matter shell), two CSF ventricles, and a tumour
/// (necrotic core, enhancing rim, oedema) at a random place inside the brain.
enum PhantomAnatomy {
    static func tissueMap(shape: [Int], generator: inout SplitMix64) -> [UInt8] {
        let (depth, height, width) = (shape[0], shape[1], shape[2])
        let half = shape.map { Double($0 - 1) / 2 }
        // Brain: ellipsoid radii as fractions of the half extents, per-case deformed.
        let brainRadii = (0..<3).map { _ in generator.uniform(0.78...0.9) }
        let brainLobes = RadialLobes(amplitude: 0.06, generator: &generator)
        let whiteMatterFraction = generator.uniform(0.62...0.72)
        let whiteMatterLobes = RadialLobes(amplitude: 0.15, generator: &generator)
        // Ventricles: a pair of ellipsoids left/right of the midline (W axis).
        let ventricleOffset = generator.uniform(0.14...0.18)
        let ventricleRadii = [generator.uniform(0.12...0.16), generator.uniform(0.2...0.28), generator.uniform(0.08...0.11)]
        let ventricleShift = [generator.uniform(-0.05...0.1), generator.uniform(-0.08...0.08)]

        // Tumour in voxel units; m is half the smallest extent. The minimum sizes
        // keep every region a few voxels thick, so the slight blur cannot erase one.
        let m = Double(shape.min()!) / 2
        let necrosisRadius = max(2, m * generator.uniform(0.06...0.12))
        let rimThickness = max(3, m * generator.uniform(0.06...0.09))
        let oedemaThickness = max(3, m * generator.uniform(0.10...0.20))
        let stretch = (0..<3).map { _ in generator.uniform(0.85...1.15) }
        let tumourLobes = RadialLobes(amplitude: 0.25, generator: &generator)
        // Keep the tumour core (necrosis + rim, at most 1.25 x 1.15 its radius after
        // lobes and stretch) one voxel inside the smallest possible brain radius.
        let coreReach = (necrosisRadius + rimThickness) * 1.25 * 1.15
        let smallestBrainRadius = 0.78 * 0.94 * Double(shape.min()! - 1) / 2
        let largestHalfExtent = 0.9 * Double(shape.max()! - 1) / 2
        let centreLimit = min(0.4, max(0, (smallestBrainRadius - coreReach - 1) / largestHalfExtent))
        var tumourCentre = [0.0, 0.0, 0.0]  // normalised brain coordinates
        repeat {
            tumourCentre = (0..<3).map { _ in generator.uniform(-centreLimit...centreLimit) }
        } while (0..<3).map({ tumourCentre[$0] * tumourCentre[$0] }).reduce(0, +) > centreLimit * centreLimit
        let tumourVoxelCentre = (0..<3).map { half[$0] + tumourCentre[$0] * brainRadii[$0] * half[$0] }

        var tissue = [UInt8](repeating: 0, count: depth * height * width)
        tissue.withUnsafeMutableBufferPointer { output in
            for z in 0..<depth {
                let nz = (Double(z) - half[0]) / (brainRadii[0] * half[0])
                for y in 0..<height {
                    let ny = (Double(y) - half[1]) / (brainRadii[1] * half[1])
                    for x in 0..<width {
                        let nx = (Double(x) - half[2]) / (brainRadii[2] * half[2])
                        let radius = (nx * nx + ny * ny + nz * nz).squareRoot()
                        let inverse = radius > 0 ? 1 / radius : 0
                        let (ux, uy, uz) = (nx * inverse, ny * inverse, nz * inverse)
                        let brainRadius = radius / brainLobes.factor(ux, uy, uz)
                        guard brainRadius < 1 else { continue }
                        var kind = PhantomTissue.greyMatter
                        if brainRadius < whiteMatterFraction * whiteMatterLobes.factor(ux, uy, uz) { kind = .whiteMatter }
                        for side in [-1.0, 1.0] {
                            let vx = (nx - side * ventricleOffset) / ventricleRadii[2]
                            let vy = (ny - ventricleShift[0]) / ventricleRadii[1]
                            let vz = (nz - ventricleShift[1]) / ventricleRadii[0]
                            if vx * vx + vy * vy + vz * vz < 1 { kind = .csf }
                        }
                        // Tumour, by distance (in voxels) from its centre over the lobed radius.
                        let dz = (Double(z) - tumourVoxelCentre[0]) / stretch[0]
                        let dy = (Double(y) - tumourVoxelCentre[1]) / stretch[1]
                        let dx = (Double(x) - tumourVoxelCentre[2]) / stretch[2]
                        let distance = (dx * dx + dy * dy + dz * dz).squareRoot()
                        let tInverse = distance > 0 ? 1 / distance : 0
                        let scaled = distance / tumourLobes.factor(dx * tInverse, dy * tInverse, dz * tInverse)
                        if scaled < necrosisRadius {
                            kind = .necrosis
                        } else if scaled < necrosisRadius + rimThickness {
                            kind = .enhancing
                        } else if scaled < necrosisRadius + rimThickness + oedemaThickness {
                            kind = .oedema
                        }
                        output[(z * height + y) * width + x] = kind.rawValue
                    }
                }
            }
        }
        return tissue
    }
}
