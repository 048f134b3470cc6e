import Foundation
import MCKDData
import XCTest

/// `mckd synth --anatomy` as a user runs it: the cases, the contrast table, the slices,
/// and options that belong to the other phantom refused.
extension CommandLineTests {
    func testSynthAnatomyWritesCasesTableAndSlices() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let slices = folder.appendingPathComponent("png")
        let result = try mckd(["synth", "--anatomy", "--out", folder.path, "--cases", "1", "--spacing", "6", "--seed", "2",
                               "--contrast-table", "--slices", slices.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("| enhancing (4) - oedema (2) |") && result.output.contains("synthetic"), result.output)
        let id = AnatomicalPhantomGenerator.caseID(index: 0)
        let t1ce = try NIfTIImage.read(from: folder.appendingPathComponent("HGG/\(id)/\(id)_t1ce.nii.gz"))
        XCTAssertEqual(t1ce.shape, [40, 40, 26], "BraTS's 240 x 240 x 155 mm at 6 mm")
        for name in ["flair", "t1", "t1ce", "t2", "labels"] {
            let png = try Data(contentsOf: slices.appendingPathComponent("anatomical-\(name).png"))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(name) is a PNG")
        }
        let refused = try mckd(["synth", "--anatomy", "--size", "16,16,16", "--out", folder.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("--size is for the procedural phantom"), refused.output)
        let missing = try mckd(["synth", "--anatomy", "--out", folder.path, "--cases", "1"],
                               environment: ["MCKD_CACHE": folder.appendingPathComponent("empty-cache").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.output.contains("scripts/setup"), missing.output)
    }
}
