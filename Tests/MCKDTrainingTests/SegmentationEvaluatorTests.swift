import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// The evaluator (method.md section 6) against references written here: tile origins and
/// the stitching of overlapping tiles by hand, Dice's conventions, and its shortcut for
/// missing modalities (the encoder's response to a zero volume, computed once) against
/// `model.forward` on inputs with the missing modalities zeroed.
final class SegmentationEvaluatorTests: XCTestCase {
    let backend = CPUBackend<Float>()

    func model(fillSkips: Bool = false) throws -> SegmentationModel {
        var architecture = SegmentationArchitecture(channels: [2, 3], modalities: 4, outputChannels: 3, standardizeWeights: true)
        architecture.fillSkips = fillSkips
        return try SegmentationModel(backend, architecture: architecture, seed: 6)
    }

    /// A volume [D, H, W] whose 4 channels are smooth, different patterns.
    func volume(_ shape: [Int]) throws -> BraTSVolume {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        var image = [Float](repeating: 0, count: 4 * d * h * w)
        for c in 0..<4 { for z in 0..<d { for y in 0..<h { for x in 0..<w {
            image[((c * d + z) * h + y) * w + x] = sin(Float(x * (c + 1)) * 0.7 + Float(y) * 0.3 - Float(z * c) * 0.2) + Float(c) * 0.1
        } } } }
        return try BraTSVolume(caseID: "hand-made", shape: shape, image: image, labels: nil, referenceHeader: NIfTIHeader())
    }

    func testTileOriginsByHand() {
        // Stride floor(8 * 2/3) = 5; the last tile ends at the volume's end.
        XCTAssertEqual(SlidingWindow.origins(extent: 12, tile: 8), [0, 4])
        XCTAssertEqual(SlidingWindow.origins(extent: 20, tile: 8), [0, 5, 10, 12])
        XCTAssertEqual(SlidingWindow.origins(extent: 8, tile: 8), [0])
        XCTAssertEqual(SlidingWindow.tiles(volume: [8, 8, 12], tile: [8, 8, 8]), [[0, 0, 0], [0, 0, 4]])
    }

    /// An 8x8x12 volume in 8^3 tiles at W = 0 and W = 4: voxels with W in 4..<8 are the
    /// mean of both tiles' sigmoids, the others come from one tile (stitched here from
    /// `model.forward` on each tile, every modality present).
    func testOverlappingTilesAreAveraged() throws {
        let model = try model(), volume = try volume([8, 8, 12])
        let probabilities = try SegmentationEvaluator(model: model, tile: [8, 8, 8]).probabilities(volume, subsets: [.all(4)])[0]
        model.setTraining(false)
        var sums = [Float](repeating: 0, count: 3 * 8 * 8 * 12), hits = [Float](repeating: 0, count: 8 * 8 * 12)
        for origin in [0, 4] {
            var tile = [Float](repeating: 0, count: 4 * 8 * 8 * 8)
            for c in 0..<4 { for z in 0..<8 { for y in 0..<8 { for x in 0..<8 {
                tile[((c * 8 + z) * 8 + y) * 8 + x] = volume.image[((c * 8 + z) * 8 + y) * 12 + origin + x]
            } } } }
            let logits = try backend.download(try model.forward(try backend.upload(tile, shape: [1, 4, 8, 8, 8]), available: .all(4)).logits)
            for z in 0..<8 { for y in 0..<8 { for x in 0..<8 {
                hits[(z * 8 + y) * 12 + origin + x] += 1
                for c in 0..<3 { sums[((c * 8 + z) * 8 + y) * 12 + origin + x] += 1 / (1 + exp(-logits[((c * 8 + z) * 8 + y) * 8 + x])) }
            } } }
        }
        XCTAssertEqual(Set(hits), [1, 2])
        for (index, value) in probabilities.enumerated() {
            XCTAssertEqual(value, sums[index] / hits[index % (8 * 8 * 12)], accuracy: 1e-6, "voxel \(index)")
        }
    }

    /// Both empty counts as 1; worked examples otherwise.
    func testDiceConventions() {
        XCTAssertEqual(diceScore(prediction: [false, false, false][...], target: [false, false, false][...]), 1)
        XCTAssertEqual(diceScore(prediction: [false, false][...], target: [true, false][...]), 0)
        XCTAssertEqual(diceScore(prediction: [true, false][...], target: [false, false][...]), 0)
        XCTAssertEqual(diceScore(prediction: [true, true, false][...], target: [false, true, true][...]), 0.5)
    }

    /// For every subset of the 15: the evaluator's probabilities (each modality encoded
    /// once, missing ones replaced by the zero volume's response) equal the sigmoid of
    /// `model.forward` on the input with the missing modalities set to zero, with and
    /// without filled skips.
    func testZeroResponseSubstitutionEqualsForwardWithZeroedInputs() throws {
        for fillSkips in [false, true] {
            let model = try model(fillSkips: fillSkips), volume = try volume([8, 8, 8])
            let subsets = ModalitySet.allNonEmpty(4)
            let evaluated = try SegmentationEvaluator(model: model, tile: [8, 8, 8]).probabilities(volume, subsets: subsets)
            model.setTraining(false)
            var differences: Set<Int> = []
            for (subset, probabilities) in zip(subsets, evaluated) {
                var image = volume.image
                for m in subset.missing { for v in 0..<512 { image[m * 512 + v] = 0 } }
                let logits = try backend.download(try model.forward(try backend.upload(image, shape: [1, 4, 8, 8, 8]), available: subset).logits)
                let expected = logits.map { 1 / (1 + exp(-$0)) }
                for (a, b) in zip(probabilities, expected) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(subset.name(["F", "T1", "T1ce", "T2"]))") }
                differences.insert(Int(1e4 * expected.reduce(0, +)))
            }
            XCTAssertGreaterThan(differences.count, 10, "the subsets must predict differently for the check to mean anything")
        }
    }
}
