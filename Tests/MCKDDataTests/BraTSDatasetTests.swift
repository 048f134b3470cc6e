import Foundation
import MCKDData
import XCTest

/// Folder layouts, case lists, splits and the errors for unusable cases.
final class BraTSDatasetTests: XCTestCase {
    /// Writes a small case folder: the four modalities (and seg unless `withSeg` is false).
    private func writeCase(_ id: String, in folder: URL, shape: [Int] = [6, 5, 4], withSeg: Bool = true,
                           skip: String? = nil, oddShapeFor: String? = nil, label: Float = 2) throws {
        let directory = folder.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let count = shape.reduce(1, *)
        for suffix in ["flair", "t1", "t1ce", "t2"] where suffix != skip {
            let fileShape = suffix == oddShapeFor ? [shape[0] + 1, shape[1], shape[2]] : shape
            let values: [Float] = (0..<fileShape.reduce(1, *)).map { (k: Int) -> Float in k == 0 ? 0 : Float(k % 13 + 1) }
            try NIfTIImage(shape: fileShape, voxels: values, datatype: .int16)
                .write(to: directory.appendingPathComponent("\(id)_\(suffix).nii.gz"))
        }
        if withSeg {
            var labels = [Float](repeating: 0, count: count)
            labels[count / 2] = label
            labels[count / 2 + 1] = 4
            try NIfTIImage(shape: shape, voxels: labels, datatype: .uint8)
                .write(to: directory.appendingPathComponent("\(id)_seg.nii.gz"))
        }
    }

    func testScansBothLayouts() throws {
        let root2018 = try TestSupport.temporaryDirectory(for: self)
        try writeCase("B_case", in: root2018.appendingPathComponent("HGG"))
        try writeCase("A_case", in: root2018.appendingPathComponent("LGG"))
        let dataset2018 = try BraTSDataset(scanning: root2018)
        XCTAssertEqual(dataset2018.cases.map(\.id), ["A_case", "B_case"])
        XCTAssertEqual(dataset2018.cases.map(\.grade), ["LGG", "HGG"])
        XCTAssertEqual(dataset2018.cases[0].modalityFiles.map { $0?.lastPathComponent },
                       ["A_case_flair.nii.gz", "A_case_t1.nii.gz", "A_case_t1ce.nii.gz", "A_case_t2.nii.gz"])

        let root2020 = try TestSupport.temporaryDirectory(for: self)
        try writeCase("BraTS20_Training_001", in: root2020)
        try writeCase("BraTS20_Validation_001", in: root2020, withSeg: false)
        let dataset2020 = try BraTSDataset(scanning: root2020)
        XCTAssertEqual(dataset2020.cases.count, 2)
        XCTAssertEqual(dataset2020.cases.map(\.grade), [nil, nil])
        XCTAssertEqual(dataset2020.cases.map(\.hasSegmentation), [true, false])

        // Predict-only cases load without labels.
        let predictOnly = try BraTSCaseLoader.load(try dataset2020.case("BraTS20_Validation_001"))
        XCTAssertNil(predictOnly.labels)
        XCTAssertNil(predictOnly.targets())
        XCTAssertEqual(predictOnly.shape, [4, 5, 6], "NIfTI (x,y,z) = (6,5,4) becomes [D,H,W] = [4,5,6]")
        XCTAssertThrowsError(try BraTSCaseLoader.load(try dataset2020.case("BraTS20_Validation_001"), requireSegmentation: true)) { error in
            XCTAssertTrue("\(error)".contains("BraTS20_Validation_001"), "\(error)")
        }
    }

    func testACaseInBothGradeFoldersIsRefused() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        try writeCase("Same_case", in: root.appendingPathComponent("HGG"))
        try writeCase("Same_case", in: root.appendingPathComponent("LGG"))
        try writeCase("Other_case", in: root.appendingPathComponent("LGG"))
        XCTAssertThrowsError(try BraTSDataset(scanning: root)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("Same_case") && message.contains("HGG/Same_case") && message.contains("LGG/Same_case"), message)
        }
        let list = root.appendingPathComponent("cases.csv")
        try "case_id\nOther_case\nSame_case\n".write(to: list, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BraTSDataset(root: root, caseListCSV: list)) { error in
            XCTAssertTrue("\(error)".contains("two folders hold this case"), "\(error)")
        }
    }

    func testCaseListFromCSV() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        for id in ["c1", "c2", "c3"] { try writeCase(id, in: root.appendingPathComponent("HGG")) }
        let csv = root.appendingPathComponent("list.csv")
        try "case_id,grade\nc3,HGG\n# a comment\nc1,HGG\n".write(to: csv, atomically: true, encoding: .utf8)
        let dataset = try BraTSDataset(root: root, caseListCSV: csv)
        XCTAssertEqual(dataset.cases.map(\.id), ["c1", "c3"])

        try "case_id\nc1\nmissing_case\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BraTSDataset(root: root, caseListCSV: csv)) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "missing_case", "\(error)")
        }
    }

    func testUnusableCasesFailOrAreSkippedWithAWarning() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        try writeCase("good", in: root)
        // A case folder without any modality file is unusable (one without some is not: BraTSMissingModalityTests).
        try FileManager.default.createDirectory(at: root.appendingPathComponent("no_images"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try BraTSDataset(scanning: root)) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "no_images")
            XCTAssertTrue("\(error)".contains("no modality files in \(root.path)/no_images"), "\(error)")
        }
        let lenient = try BraTSDataset(scanning: root, policy: .skipWithWarning)
        XCTAssertEqual(lenient.cases.map(\.id), ["good"])
        XCTAssertEqual(lenient.warnings.count, 1)
        XCTAssertTrue(lenient.warnings[0].contains("no_images"), lenient.warnings[0])

        let mismatched = try TestSupport.temporaryDirectory(for: self)
        try writeCase("odd", in: mismatched, oddShapeFor: "t2")
        XCTAssertThrowsError(try BraTSCaseLoader.load(try BraTSDataset(scanning: mismatched).case("odd"))) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "odd")
            XCTAssertTrue("\(error)".contains("odd_t2.nii.gz has shape 7x5x4 (x,y,z) but odd_flair.nii.gz has 6x5x4"), "\(error)")
        }

        // Damaged or empty scans are errors naming case and file, not silently zeroed channels.
        for (label, bad) in [("nan", Float.nan), ("inf", -Float.infinity), ("zero", 0)] {
            let folder = try TestSupport.temporaryDirectory(for: self)
            try writeCase(label, in: folder)
            let t1 = folder.appendingPathComponent("\(label)/\(label)_t1.nii.gz")
            var values = [Float](repeating: bad == 0 ? 0 : 5, count: 120)
            values[7] = bad
            try NIfTIImage(shape: [6, 5, 4], voxels: values, datatype: .float32).write(to: t1)
            XCTAssertThrowsError(try BraTSCaseLoader.load(try BraTSDataset(scanning: folder).case(label))) { error in
                XCTAssertEqual((error as? BraTSDataError)?.caseID, label)
                let expected = bad == 0 ? "\(label)_t1.nii.gz: every voxel is 0" : "\(label)_t1.nii.gz: 1 of 120 voxels are NaN or infinite"
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }

        let badLabels = try TestSupport.temporaryDirectory(for: self)
        try writeCase("label3", in: badLabels, label: 3)
        XCTAssertThrowsError(try BraTSCaseLoader.load(try BraTSDataset(scanning: badLabels).case("label3"))) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "label3")
            XCTAssertTrue("\(error)".contains("label 3"), "\(error)")
        }

        // A training split needs labels: fail, or skip with a warning when asked.
        let mixed = try TestSupport.temporaryDirectory(for: self)
        try writeCase("labelled", in: mixed)
        try writeCase("unlabelled", in: mixed, withSeg: false)
        let dataset = try BraTSDataset(scanning: mixed)
        var warnings: [String] = []
        XCTAssertThrowsError(try dataset.cases(["labelled", "unlabelled"], requireSegmentation: true, warnings: &warnings)) { error in
            XCTAssertEqual((error as? BraTSDataError)?.caseID, "unlabelled")
        }
        let kept = try dataset.cases(["labelled", "unlabelled"], requireSegmentation: true, policy: .skipWithWarning, warnings: &warnings)
        XCTAssertEqual(kept.map(\.id), ["labelled"])
        XCTAssertTrue(warnings.contains { $0.contains("unlabelled") })
        XCTAssertEqual(try dataset.cases(["unlabelled"], requireSegmentation: false, warnings: &warnings).count, 1)
    }

    func testSeededSplitIsDeterministicDisjointAndComplete() throws {
        let ids = (1...40).map { "case\($0)" }
        let split = try BraTSSplit(seededFrom: ids, metaValidationCount: 5, testCount: 7, seed: 42)
        XCTAssertEqual(split.metaValidation.count, 5)
        XCTAssertEqual(split.test.count, 7)
        XCTAssertEqual(split.metaTrain.count, 28)
        XCTAssertEqual(Set(split.metaTrain + split.metaValidation + split.test), Set(ids))
        XCTAssertEqual(split, try BraTSSplit(seededFrom: ids.reversed(), metaValidationCount: 5, testCount: 7, seed: 42),
                       "input order must not matter")
        XCTAssertNotEqual(split, try BraTSSplit(seededFrom: ids, metaValidationCount: 5, testCount: 7, seed: 43))
        XCTAssertThrowsError(try BraTSSplit(seededFrom: ids, metaValidationCount: 30, testCount: 10, seed: 1))
    }

    func testSplitFileRoundTripAndErrors() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let split = try BraTSSplit(seededFrom: (1...10).map { "c\($0)" }, metaValidationCount: 2, testCount: 3, seed: 7)
        let url = directory.appendingPathComponent("split.csv")
        try split.fileText.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try BraTSSplit(contentsOf: url, knownCaseIDs: Set((1...10).map { "c\($0)" })), split)

        let bad: [(String, String?)] = [
            ("c1,train\nc2,holiday\n", "c2"),
            ("c1,train\nc1,test\n", "c1"),
            ("c1,train\nnobody,test\n", "nobody"),
            ("c1;train\n", nil),
            ("c1,test\n", nil),
        ]
        for (text, caseID) in bad {
            try text.write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try BraTSSplit(contentsOf: url, knownCaseIDs: ["c1", "c2"]), text) { error in
                XCTAssertEqual((error as? BraTSDataError)?.caseID, caseID, "\(text): \(error)")
            }
        }
    }
}
