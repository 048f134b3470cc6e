import Foundation
import MCKDData
import XCTest

/// Intensity normalisation, label targets and training crops.
final class BraTSPreprocessingTests: XCTestCase {
    func testClipsRareBrightOutliersAndZScoresTheBrain() {
        // Background 0 at [0,0,0]; 1000 brain voxels 1...100; 10 outliers at 10000.
        var values: [Float] = [0, 0, 0]
        values += (0..<1000).map { Float($0 % 100 + 1) }
        values += [Float](repeating: 10000, count: 10)
        let original = values
        BraTSPreprocessing.normalise(&values)

        XCTAssertEqual(Array(values[0..<3]), [0, 0, 0], "background stays 0")
        let brain = values[3...].map(Double.init)
        let mean = brain.reduce(0, +) / Double(brain.count)
        let std = (brain.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(brain.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 1e-4)
        XCTAssertEqual(std, 1, accuracy: 1e-4)

        // Recover the clipping value from the linear map z = (v - mean) / std.
        let z1 = Double(values[original.firstIndex(of: 1)!]), z100 = Double(values[original.firstIndex(of: 100)!])
        let perUnit = (z100 - z1) / 99
        let clip = 1 + (Double(values.last!) - z1) / perUnit
        // The brain histogram spans 1...10000 in `histogramBins` bins; values up to 100 fill
        // the first bins, the outliers' bin has 10 < 50 voxels, so the clip is the upper edge
        // of the bin holding 100.
        let width = (10000.0 - 1) / Double(BraTSPreprocessing.histogramBins)
        let expected = 1 + (Double(Int((100 - 1) / width)) + 1) * width
        XCTAssertEqual(clip, expected, accuracy: 1e-2)
        XCTAssertLessThan(clip, 200, "outliers must be clipped")
    }

    func testBackgroundIsTheCornerValueAndEmptyVolumesBecomeZero() {
        var shifted: [Float] = [7, 7, 8, 9, 10, 7]
        BraTSPreprocessing.normalise(&shifted)
        XCTAssertEqual(shifted[0], 0); XCTAssertEqual(shifted[1], 0); XCTAssertEqual(shifted[5], 0)
        XCTAssertEqual(Double(shifted[2] + shifted[3] + shifted[4]), 0, accuracy: 1e-5)
        XCTAssertLessThan(shifted[2], shifted[4])
        var empty: [Float] = [3, 3, 3]
        BraTSPreprocessing.normalise(&empty)
        XCTAssertEqual(empty, [0, 0, 0])
    }

    func testTargetsFromLabels() {
        let targets = BraTSPreprocessing.targets(fromLabels: [0, 1, 2, 4])
        XCTAssertEqual(Array(targets[0..<4]), [0, 0, 0, 1], "ET = 4")
        XCTAssertEqual(Array(targets[4..<8]), [0, 1, 1, 1], "WT = 1, 2, 4")
        XCTAssertEqual(Array(targets[8..<12]), [0, 1, 0, 1], "TC = 1, 4")
    }

    /// A volume whose every channel holds a code of the voxel position, and a small tumour.
    private func codedVolume(shape: [Int] = [12, 14, 16]) throws -> BraTSVolume {
        let count = shape.reduce(1, *)
        var image = [Float](repeating: 0, count: 4 * count)
        for channel in 0..<4 { for k in 0..<count { image[channel * count + k] = Float(k) + Float(channel) * 0.25 } }
        var labels = [UInt8](repeating: 0, count: count)
        let centre = (6 * shape[1] + 7) * shape[2] + 8
        labels[centre] = 1; labels[centre + 1] = 4; labels[centre - 1] = 2
        return try BraTSVolume(caseID: "coded", shape: shape, image: image, labels: labels, referenceHeader: NIfTIHeader())
    }

    /// Skipping crops gives the crops an unskipped sampler draws next, with either drawing;
    /// per-crop drawing also gives a rank's share of a batch without the others' draws.
    func testSkippedCropsLeaveTheLaterCropsAsTheyWere() throws {
        let volume = try codedVolume()
        for drawing in [BraTSCropSampler.Drawing.sequential, .perCrop] {
            var straight = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9, drawing: drawing)
            var skipping = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9, drawing: drawing)
            let batches = try (0..<3).map { _ in try straight.nextBatch(size: 2) }
            skipping.skip(crops: 3)
            let share = try skipping.nextBatch(size: 3, keeping: 1..<3)   // crops 4 and 5: the third batch
            XCTAssertEqual(share.images, batches[2].images, "\(drawing)")
            XCTAssertEqual(share.targets, batches[2].targets, "\(drawing)")
            XCTAssertEqual(skipping.cropsDrawn, 6)
            XCTAssertNotEqual(batches[0].images, batches[1].images)
        }
        var sequential = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9)
        var perCrop = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9, drawing: .perCrop)
        XCTAssertNotEqual(try sequential.nextBatch(size: 4).images, try perCrop.nextBatch(size: 4).images, "two drawings, two crop sequences")
    }

    func testCropsAreDeterministicBySeed() throws {
        let volume = try codedVolume()
        var a = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9)
        var b = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 9)
        var c = try BraTSCropSampler(volumes: [volume], cropShape: [4, 6, 8], seed: 10)
        for _ in 0..<3 {
            let batchA = try a.nextBatch(size: 2), batchB = try b.nextBatch(size: 2), batchC = try c.nextBatch(size: 2)
            XCTAssertEqual(batchA.images, batchB.images)
            XCTAssertEqual(batchA.targets, batchB.targets)
            XCTAssertNotEqual(batchA.images, batchC.images)
            XCTAssertEqual(batchA.images.count, 2 * 4 * 4 * 6 * 8)
            XCTAssertEqual(batchA.targets.count, 2 * 3 * 4 * 6 * 8)
        }
    }

    func testUnscaledUnflippedCropsAreContiguousBlocksWithMatchingTargets() throws {
        let volume = try codedVolume()
        let (sh, sw) = (volume.shape[1], volume.shape[2])
        var sampler = try BraTSCropSampler(volumes: [volume], cropShape: [3, 4, 5], seed: 1,
                                           foregroundProbability: 1, scaleRange: 1...1, randomFlips: false)
        let batch = try sampler.nextBatch(size: 5)
        let cropCount = 3 * 4 * 5
        for item in 0..<5 {
            let images = Array(batch.images[(item * 4 * cropCount)..<((item + 1) * 4 * cropCount)])
            let origin = Int(images[0])
            let labels = volume.labels!
            for z in 0..<3 { for y in 0..<4 { for x in 0..<5 {
                let out = (z * 4 + y) * 5 + x
                let source = origin + (z * sh + y) * sw + x
                XCTAssertEqual(images[out], Float(source))
                XCTAssertEqual(images[3 * cropCount + out], Float(source) + 0.75, "channel 3")
                let targets = batch.targets[(item * 3 * cropCount)...]
                let label = labels[source]
                XCTAssertEqual(targets[item * 3 * cropCount + out], label == 4 ? 1 : 0)
                XCTAssertEqual(targets[item * 3 * cropCount + cropCount + out], label != 0 ? 1 : 0)
                XCTAssertEqual(targets[item * 3 * cropCount + 2 * cropCount + out], (label == 1 || label == 4) ? 1 : 0)
            } } }
            // Foreground probability 1: every crop holds tumour.
            XCTAssertGreaterThan(batch.targets[(item * 3 * cropCount + cropCount)..<(item * 3 * cropCount + 2 * cropCount)].reduce(0, +), 0)
        }
    }

    func testFlipsMirrorAndScalesResample() throws {
        let volume = try codedVolume()
        var sampler = try BraTSCropSampler(volumes: [volume], cropShape: [4, 4, 6], seed: 3, scaleRange: 1...1)
        var sawFlippedW = false
        for _ in 0..<20 {
            let batch = try sampler.nextBatch(size: 1)
            let step = batch.images[1] - batch.images[0]
            XCTAssertEqual(abs(step), 1, "W neighbours differ by one voxel, mirrored or not")
            if step < 0 { sawFlippedW = true }
        }
        XCTAssertTrue(sawFlippedW, "some crops must be flipped along W")

        var scaled = try BraTSCropSampler(volumes: [volume], cropShape: [4, 4, 6], seed: 3, foregroundProbability: 1,
                                          scaleRange: 1.1...1.1, randomFlips: false)
        let batch = try scaled.nextBatch(size: 1)
        let span = batch.images[5] - batch.images[0]
        XCTAssertEqual(span, 5 * 1.1, accuracy: 1e-3, "trilinear along W over 5 steps of 1.1 voxels")
    }

    func testSamplerNeedsLabels() throws {
        let unlabelled = try BraTSVolume(caseID: "u", shape: [2, 2, 2], image: [Float](repeating: 1, count: 32), labels: nil,
                                         referenceHeader: NIfTIHeader())
        XCTAssertThrowsError(try BraTSCropSampler(volumes: [unlabelled], cropShape: [2, 2, 2], seed: 1)) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "u")
        }
    }
}
