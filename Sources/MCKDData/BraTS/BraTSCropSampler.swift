/// Draws random training crops from labelled volumes, deterministically from a seed.
///
/// Each crop, drawn in this order from one SplitMix64 stream:
/// 1. a case, uniformly;
/// 2. with probability `foregroundProbability` the crop is centred on a random
///    voxel of a random tumour class present in the case (labels 1, 2, 4; for an
///    even size the voxel sits just past the middle), else placed uniformly at
///    random; either way the crop is shifted to lie inside the volume when it fits;
/// 3. a scale s uniform in `scaleRange` (same for all three axes), then a flip
///    decision per axis (D, H, W), each with probability 1/2.
///
/// Resampling: output voxel o (per axis, 0..<n) reads the source at
/// centre + (o - (n-1)/2) * s, mirrored when the axis is flipped. Intensities
/// are interpolated trilinearly, labels taken from the nearest voxel; source
/// positions outside the volume read 0 (background after preprocessing).
/// s > 1 shows more anatomy (zoom out), s < 1 less.
public struct BraTSCropSampler {
    /// Where each crop's random numbers come from.
    public enum Drawing: String, Codable, Sendable {
        /// One stream for all crops in order: the runs before per-crop drawing, which a
        /// resume reproduces only by replaying every earlier draw.
        case sequential
        /// Crop k draws from a generator of its own, from (seed, k): a resume, or a rank's
        /// share of a batch, jumps to any crop without drawing the ones before it.
        case perCrop
    }

    /// Crop size [d, h, w].
    public let cropShape: [Int]
    /// Probability of centring a crop on tumour.
    public let foregroundProbability: Double
    /// Range of the random scale.
    public let scaleRange: ClosedRange<Double>
    /// Whether axes are flipped at random.
    public let randomFlips: Bool

    /// The cases drawn from: summaries in memory, voxels through their cache.
    public let cases: BraTSCropCases
    private let drawing: Drawing
    private let seed: UInt64
    /// The sequential stream (unused with per-crop drawing).
    private var generator: SplitMix64
    /// How many crops have been drawn (or skipped): the index of the next one.
    public private(set) var cropsDrawn = 0

    /// Prepares a sampler over `volumes` held in memory, which must all carry labels.
    /// The same volumes, settings and seed give the same sequence of batches.
    public init(volumes: [BraTSVolume], cropShape: [Int], seed: UInt64, foregroundProbability: Double = 0.5,
                scaleRange: ClosedRange<Double> = 0.9...1.1, randomFlips: Bool = true, drawing: Drawing = .sequential) throws {
        try Self.check(cropShape: cropShape, scaleRange: scaleRange, empty: volumes.isEmpty)
        try self.init(cases: try BraTSCropCases(volumes: volumes, cropShape: cropShape), seed: seed, foregroundProbability: foregroundProbability,
                      scaleRange: scaleRange, randomFlips: randomFlips, drawing: drawing)
    }

    /// Prepares a sampler over `cases` (their crop shape is the sampler's). The crops depend
    /// on the cases' voxels, the settings and the seed, not on what the cases' cache holds.
    public init(cases: BraTSCropCases, seed: UInt64, foregroundProbability: Double = 0.5,
                scaleRange: ClosedRange<Double> = 0.9...1.1, randomFlips: Bool = true, drawing: Drawing = .sequential) throws {
        try Self.check(cropShape: cases.cropShape, scaleRange: scaleRange, empty: cases.count == 0)
        self.cases = cases
        self.cropShape = cases.cropShape
        self.foregroundProbability = foregroundProbability
        self.scaleRange = scaleRange
        self.randomFlips = randomFlips
        self.generator = SplitMix64(seed: seed)
        self.seed = seed
        self.drawing = drawing
    }

    private static func check(cropShape: [Int], scaleRange: ClosedRange<Double>, empty: Bool) throws {
        guard !empty else { throw BraTSDataError(caseID: nil, "no volumes to sample training crops from") }
        guard cropShape.count == 3, cropShape.allSatisfy({ $0 > 0 }) else {
            throw BraTSDataError(caseID: nil, "crop shape \(cropShape) must be three positive sizes d,h,w")
        }
        guard scaleRange.lowerBound > 0 else { throw BraTSDataError(caseID: nil, "crop scale range must be positive") }
    }

    /// The next `size` crops.
    public mutating func nextBatch(size: Int) throws -> BraTSBatch { try nextBatch(size: size, keeping: 0..<size) }

    /// The crops `keeping` of the next `size` (a rank's share of a global batch): every
    /// crop is drawn, so the stream moves on as for the whole batch, but only the kept
    /// ones are resampled (and only their cases' voxels are needed).
    public mutating func nextBatch(size: Int, keeping: Range<Int>) throws -> BraTSBatch {
        precondition(keeping.lowerBound >= 0 && keeping.upperBound <= size)
        let cropVoxels = cropShape.reduce(1, *)
        var images = [Float](repeating: 0, count: keeping.count * 4 * cropVoxels)
        var targets = [Float](repeating: 0, count: keeping.count * 3 * cropVoxels)
        var ids: [String] = [], drawnIDs: [String] = []
        for drawn in 0..<size {
            let crop = drawCrop()
            let summary = cases.summaries[crop.caseIndex]
            drawnIDs.append(summary.caseID)
            guard keeping.contains(drawn) else { continue }
            let source = try cases.source(crop.caseIndex)
            let centre = self.centre(crop.placement, in: source)
            let item = drawn - keeping.lowerBound
            let axes = (0..<3).map { axis in
                AxisSampling(outputSize: cropShape[axis], sourceSize: summary.shape[axis],
                             centre: centre[axis], scale: crop.scale, flipped: crop.flips[axis])
            }
            images.withUnsafeMutableBufferPointer { imageBuffer in
                targets.withUnsafeMutableBufferPointer { targetBuffer in
                    resample(source.volume, axes: axes,
                             images: UnsafeMutableBufferPointer(rebasing: imageBuffer[(item * 4 * cropVoxels)..<((item + 1) * 4 * cropVoxels)]),
                             targets: UnsafeMutableBufferPointer(rebasing: targetBuffer[(item * 3 * cropVoxels)..<((item + 1) * 3 * cropVoxels)]))
                }
            }
            ids.append(summary.caseID)
        }
        return BraTSBatch(caseIDs: ids, drawnCaseIDs: drawnIDs, cropShape: cropShape, images: images, targets: targets)
    }

    /// Moves past the next `count` crops: constant time with per-crop drawing; the
    /// sequential stream draws them (without resampling, so without reading voxels).
    public mutating func skip(crops count: Int) {
        guard drawing == .sequential else {
            cropsDrawn += count
            return
        }
        for _ in 0..<count { _ = drawCrop() }
    }

    /// The next crop's random draws, in the documented order: case, placement, scale, flips.
    private mutating func drawCrop() -> (caseIndex: Int, placement: Placement, scale: Double, flips: [Bool]) {
        var random = drawing == .perCrop ? SplitMix64(seed: seed, stream: "crop", index: cropsDrawn) : generator
        let caseIndex = random.below(cases.count)
        let placement = drawPlacement(cases.summaries[caseIndex], using: &random)
        let scale = random.uniform(scaleRange)
        let flips = (0..<3).map { _ in randomFlips && random.next() & 1 == 1 }
        if drawing == .sequential { generator = random }
        cropsDrawn += 1
        return (caseIndex, placement, scale, flips)
    }

    /// Where a crop goes, as drawn: on the `voxel`-th voxel of tumour class `classIndex`
    /// (the case's voxels tell where that is), or centred at `centre`.
    private enum Placement {
        case tumour(classIndex: Int, voxel: Int)
        case centre([Double])
    }

    /// Draws a crop's placement; the draws need only the case's summary.
    private func drawPlacement(_ summary: BraTSCropCaseSummary, using generator: inout SplitMix64) -> Placement {
        let classes = summary.foregroundCounts
        if !classes.isEmpty && generator.nextUnit() < foregroundProbability {
            let classIndex = generator.below(classes.count)
            return .tumour(classIndex: classIndex, voxel: generator.below(classes[classIndex]))
        }
        return .centre((0..<3).map { axis in
            let slack = summary.shape[axis] - cropShape[axis]
            let corner = slack >= 0 ? Double(generator.below(slack + 1)) : Double(slack) / 2
            return corner + Double(cropShape[axis] - 1) / 2
        })
    }

    /// Crop centre (continuous voxel coordinates, [d, h, w]).
    private func centre(_ placement: Placement, in source: BraTSCropSource) -> [Double] {
        switch placement {
        case let .centre(centre):
            return centre
        case let .tumour(classIndex, voxel):
            let shape = source.volume.shape
            let flat = Int(source.foreground[classIndex][voxel])
            let position = [flat / (shape[1] * shape[2]), (flat / shape[2]) % shape[1], flat % shape[2]]
            return (0..<3).map { axis in
                // The crop's voxel grid contains the chosen voxel (so unscaled crops
                // sample voxel centres) and stays inside the volume where it fits.
                let slack = shape[axis] - cropShape[axis]
                let corner = slack >= 0 ? Double(min(max(position[axis] - cropShape[axis] / 2, 0), slack)) : Double(slack) / 2
                return corner + Double(cropShape[axis] - 1) / 2
            }
        }
    }

    /// Per-axis source positions: two neighbours, the weight of the upper one,
    /// and the nearest voxel; -1 marks "outside the volume".
    private struct AxisSampling {
        var lower: [Int] = [], upper: [Int] = [], weight: [Float] = [], nearest: [Int] = []

        init(outputSize: Int, sourceSize: Int, centre: Double, scale: Double, flipped: Bool) {
            for o in 0..<outputSize {
                let offset = Double(flipped ? outputSize - 1 - o : o) - Double(outputSize - 1) / 2
                let position = centre + offset * scale
                let floorPosition = position.rounded(.down)
                let base = Int(floorPosition)
                let inside = { (index: Int) in index >= 0 && index < sourceSize ? index : -1 }
                lower.append(inside(base))
                upper.append(inside(base + 1))
                weight.append(Float(position - floorPosition))
                nearest.append(inside(Int(position.rounded())))
            }
        }
    }

    private func resample(_ volume: BraTSVolume, axes: [AxisSampling],
                          images: UnsafeMutableBufferPointer<Float>, targets: UnsafeMutableBufferPointer<Float>) {
        let (d, h, w) = (cropShape[0], cropShape[1], cropShape[2])
        let (sh, sw) = (volume.shape[1], volume.shape[2])
        let sourceCount = volume.voxelCount
        let cropCount = d * h * w
        volume.image.withUnsafeBufferPointer { source in
            for z in 0..<d {
                let z0 = axes[0].lower[z], z1 = axes[0].upper[z], fz = axes[0].weight[z]
                for y in 0..<h {
                    let y0 = axes[1].lower[y], y1 = axes[1].upper[y], fy = axes[1].weight[y]
                    for x in 0..<w {
                        let x0 = axes[2].lower[x], x1 = axes[2].upper[x], fx = axes[2].weight[x]
                        let out = (z * h + y) * w + x
                        for channel in 0..<4 {
                            let base = channel * sourceCount
                            @inline(__always) func at(_ zz: Int, _ yy: Int, _ xx: Int) -> Float {
                                (zz < 0 || yy < 0 || xx < 0) ? 0 : source[base + (zz * sh + yy) * sw + xx]
                            }
                            let c00 = at(z0, y0, x0) * (1 - fx) + at(z0, y0, x1) * fx
                            let c01 = at(z0, y1, x0) * (1 - fx) + at(z0, y1, x1) * fx
                            let c10 = at(z1, y0, x0) * (1 - fx) + at(z1, y0, x1) * fx
                            let c11 = at(z1, y1, x0) * (1 - fx) + at(z1, y1, x1) * fx
                            let c0 = c00 * (1 - fy) + c01 * fy, c1 = c10 * (1 - fy) + c11 * fy
                            images[channel * cropCount + out] = c0 * (1 - fz) + c1 * fz
                        }
                    }
                }
            }
        }
        guard let labels = volume.labels else { return }
        labels.withUnsafeBufferPointer { source in
            for z in 0..<d {
                let zn = axes[0].nearest[z]
                for y in 0..<h {
                    let yn = axes[1].nearest[y]
                    for x in 0..<w {
                        let xn = axes[2].nearest[x]
                        let label: UInt8 = (zn < 0 || yn < 0 || xn < 0) ? 0 : source[(zn * sh + yn) * sw + xn]
                        let out = (z * h + y) * w + x
                        targets[out] = label == 4 ? 1 : 0
                        targets[cropCount + out] = label != 0 ? 1 : 0
                        targets[2 * cropCount + out] = (label == 1 || label == 4) ? 1 : 0
                    }
                }
            }
        }
    }
}
