import Foundation
import MCKDData
import XCTest

/// Cases whose modality files do not exist, the BraTS 2023 and Decathlon Task01 layouts,
/// and `--drop`'s plan. Each modality file is marked by one bright voxel at a position
/// of its own, so where a channel lands can be read off the loaded volume.
final class BraTSMissingModalityTests: XCTestCase {
    /// NIfTI (x, y, z); 120 voxels.
    let shape = [6, 5, 4]

    /// The marker voxel of channel c (flat file order).
    func marker(_ channel: Int) -> Int { 10 + 7 * channel }

    /// Background 0 at voxel 0, brain 10, the channel's marker 100.
    func values(channel: Int) -> [Float] {
        (0..<shape.reduce(1, *)).map { k in k == 0 ? 0 : (k == marker(channel) ? 100 : 10) }
    }

    func write(_ values: [Float], shape: [Int], to url: URL, datatype: NIfTIDataType = .int16, affine: [[Double]]? = nil) throws {
        var image = try NIfTIImage(shape: shape, voxels: values, datatype: datatype)
        image.header.setAffine(affine ?? [[2, 0, 0, -5], [0, 2, 0, -4], [0, 0, 2, -3], [0, 0, 0, 1]], code: 1)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try image.write(to: url)
    }

    /// Writes `<folder>/<id>/<id><separator><suffix>.nii.gz` for the given modalities (channel, suffix).
    func writeCase(_ id: String, in folder: URL, files: [(channel: Int, suffix: String)], separator: String = "_",
                   labels: [Float]? = nil, ext: (String) -> String = { _ in "nii.gz" }) throws {
        let directory = folder.appendingPathComponent(id)
        for (channel, suffix) in files {
            try write(values(channel: channel), shape: shape, to: directory.appendingPathComponent("\(id)\(separator)\(suffix).\(ext(suffix))"))
        }
        if let labels {
            try write(labels, shape: shape, to: directory.appendingPathComponent("\(id)\(separator)seg.nii.gz"), datatype: .uint8)
        }
    }

    /// The channel of a loaded volume.
    func channel(_ volume: BraTSVolume, _ c: Int) -> ArraySlice<Float> {
        volume.image[(c * volume.voxelCount)..<((c + 1) * volume.voxelCount)]
    }

    /// Where a channel is brightest (its marker, if it came from the file of that modality).
    func brightest(_ values: ArraySlice<Float>) -> Int { values.indices.max { values[$0] < values[$1] }! - values.startIndex }

    func testAbsentModalityFilesAreMissingNotErrors() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        let all = [(0, "flair"), (1, "t1"), (2, "t1ce"), (3, "t2")]
        try writeCase("complete", in: root, files: all, labels: [Float](repeating: 0, count: 120))
        try writeCase("no_t1ce", in: root, files: [(0, "flair"), (1, "t1"), (3, "t2")], labels: [Float](repeating: 0, count: 120))
        try writeCase("flair_only", in: root, files: [(0, "flair")])
        let dataset = try BraTSDataset(scanning: root)
        XCTAssertEqual(dataset.cases.map(\.id), ["complete", "flair_only", "no_t1ce"])
        XCTAssertEqual(dataset.cases.map(\.availableModalities), [[.flair, .t1, .t1ce, .t2], [.flair], [.flair, .t1, .t2]])
        XCTAssertEqual(dataset.modalityCaseCounts, [3, 2, 1, 2])
        XCTAssertFalse(dataset.isComplete)

        let volume = try BraTSCaseLoader.load(try dataset.case("no_t1ce"), requireSegmentation: true)
        XCTAssertEqual(volume.availableModalities, [.flair, .t1, .t2])
        XCTAssertFalse(volume.isComplete)
        XCTAssertTrue(channel(volume, 2).allSatisfy { $0 == 0 }, "a missing modality's channel is zeros")
        for c in [0, 1, 3] { XCTAssertEqual(brightest(channel(volume, c)), marker(c), "channel \(c) comes from its own file") }
        // The present channels are those of the complete case (same files, same preprocessing).
        let complete = try BraTSCaseLoader.load(try dataset.case("complete"))
        for c in [0, 1, 3] { XCTAssertEqual(Array(channel(volume, c)), Array(channel(complete, c))) }
        XCTAssertTrue(complete.isComplete)

        let single = try BraTSCaseLoader.load(try dataset.case("flair_only"))
        XCTAssertEqual(single.availableModalities, [.flair])
        XCTAssertEqual(single.referenceHeader.affine[0], [2, 0, 0, -5], "the header comes from the file present")
    }

    func testGridsMustAgreeAndTheErrorNamesTheFile() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        try writeCase("shifted", in: root, files: [(0, "flair"), (3, "t2")])
        try write(values(channel: 1), shape: shape, to: root.appendingPathComponent("shifted/shifted_t1.nii.gz"),
                  affine: [[2, 0, 0, -5], [0, 2, 0, -4], [0, 0, 2, 7], [0, 0, 0, 1]])
        XCTAssertThrowsError(try BraTSCaseLoader.load(try BraTSDataset(scanning: root).case("shifted"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("shifted_t1.nii.gz") && text.contains("shifted_flair.nii.gz") && text.contains("[2][3]"), text)
        }
    }

    func testBraTS2023NamesMapToTheirChannelsAndLabels() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        var labels = [Float](repeating: 0, count: 120)
        (labels[5], labels[6], labels[7]) = (1, 2, 3)
        // t2f is FLAIR, t1n native T1, t1c post-contrast T1, t2w T2; t1n stored as .nii.
        try writeCase("BraTS-GLI-00001-000", in: root, files: [(0, "t2f"), (1, "t1n"), (2, "t1c"), (3, "t2w")], separator: "-",
                      labels: labels, ext: { $0 == "t1n" ? "nii" : "nii.gz" })
        let found = try BraTSDataset(scanning: root).case("BraTS-GLI-00001-000")
        XCTAssertEqual(found.modalityFiles[1]?.lastPathComponent, "BraTS-GLI-00001-000-t1n.nii")
        XCTAssertEqual(found.labelConvention, .brats2023)
        let volume = try BraTSCaseLoader.load(found, requireSegmentation: true)
        for c in 0..<4 { XCTAssertEqual(brightest(channel(volume, c)), marker(c)) }
        XCTAssertEqual(Array(volume.labels![5...7]), [1, 2, 4], "BraTS 2023's enhancing tumour 3 is BraTS's 4")

        labels[8] = 4
        try write(labels, shape: shape, to: root.appendingPathComponent("BraTS-GLI-00001-000/BraTS-GLI-00001-000-seg.nii.gz"), datatype: .uint8)
        XCTAssertThrowsError(try BraTSCaseLoader.load(found)) { error in
            XCTAssertTrue("\(error)".contains("BraTS-GLI-00001-000-seg.nii.gz holds label 4.0; BraTS 2023 labels are 0, 1, 2, 3"), "\(error)")
        }

        try writeCase("mixed", in: root, files: [(0, "flair"), (1, "t1n")], separator: "_")
        try writeCase("mixed", in: root, files: [(1, "t1n")], separator: "-")
        XCTAssertThrowsError(try BraTSDataset(scanning: root)) { error in
            XCTAssertTrue("\(error)".contains("mixes BraTS 2018-2021 and BraTS 2023 file names"), "\(error)")
        }
    }

    func testDecathlonTask01Layout() throws {
        let root = try TestSupport.temporaryDirectory(for: self)
        let stacked = (0..<4).flatMap { values(channel: $0) }
        try write(stacked, shape: shape + [4], to: root.appendingPathComponent("imagesTr/BRATS_001.nii.gz"), datatype: .float32)
        var labels = [Float](repeating: 0, count: 120)
        (labels[5], labels[6], labels[7]) = (1, 2, 3)
        try write(labels, shape: shape, to: root.appendingPathComponent("labelsTr/BRATS_001.nii.gz"), datatype: .uint8)
        // The archive's AppleDouble files are not cases.
        try Data([0, 5, 22, 7]).write(to: root.appendingPathComponent("imagesTr/._BRATS_001.nii.gz"))
        try write(stacked, shape: shape + [4], to: root.appendingPathComponent("imagesTs/BRATS_900.nii"), datatype: .float32)

        let dataset = try BraTSDataset(scanning: root)
        XCTAssertEqual(dataset.cases.map(\.id), ["BRATS_001"])
        XCTAssertEqual(dataset.cases[0].labelConvention, .decathlon)
        let volume = try BraTSCaseLoader.load(dataset.cases[0], requireSegmentation: true)
        XCTAssertEqual(volume.shape, [4, 5, 6])
        XCTAssertEqual(volume.referenceHeader.shape, shape, "the label map is written 3-D")
        for c in 0..<4 { XCTAssertEqual(brightest(channel(volume, c)), marker(c), "channels FLAIR, T1w, T1gd, T2w") }
        XCTAssertEqual(Array(volume.labels![5...7]), [2, 1, 4], "Decathlon oedema 1, non-enhancing 2, enhancing 3")

        let test = try BraTSDataset(scanning: root.appendingPathComponent("imagesTs"))
        XCTAssertEqual(test.cases.map(\.id), ["BRATS_900"])
        XCTAssertFalse(test.cases[0].hasSegmentation)
        XCTAssertEqual(try BraTSCaseFiles.describe(caseAt: root.appendingPathComponent("imagesTs/BRATS_900.nii")).id, "BRATS_900")

        try write(Array(stacked[0..<360]), shape: shape + [3], to: root.appendingPathComponent("imagesTr/BRATS_002.nii.gz"), datatype: .float32)
        XCTAssertThrowsError(try BraTSCaseLoader.load(try BraTSDataset(scanning: root).case("BRATS_002"))) { error in
            XCTAssertTrue("\(error)".contains("BRATS_002.nii.gz has shape [6, 5, 4, 3]"), "\(error)")
        }
    }

    func testLabelConventionsByHand() {
        let expected: [BraTSLabelConvention: [Float: UInt8?]] = [
            .brats: [0: 0, 1: 1, 2: 2, 3: nil, 4: 4, 5: nil],
            .brats2023: [0: 0, 1: 1, 2: 2, 3: 4, 4: nil],
            .decathlon: [0: 0, 1: 2, 2: 1, 3: 4, 4: nil],
        ]
        for (convention, table) in expected {
            for (value, label) in table { XCTAssertEqual(convention.bratsLabel(value), label, "\(convention) \(value)") }
        }
    }

    func testDropPlanLeavesOutTheAskedFractionAndKeepsOneModalityPerCase() throws {
        for (cases, fraction) in [(10, 0.3), (7, 0.5), (5, 0.75), (3, 0.0)] {
            let plan = try ModalityFileDrop.plan(cases: cases, fraction: fraction, seed: 11)
            XCTAssertEqual(plan.count, cases)
            XCTAssertEqual(plan.map(\.count).reduce(0, +), Int((fraction * Double(4 * cases)).rounded()), "\(cases) cases at \(fraction)")
            XCTAssertTrue(plan.allSatisfy { $0.count <= 3 }, "every case keeps a modality")
            XCTAssertEqual(plan, try ModalityFileDrop.plan(cases: cases, fraction: fraction, seed: 11), "seeded")
        }
        XCTAssertTrue(try ModalityFileDrop.plan(cases: 5, fraction: 0.75, seed: 2).allSatisfy { $0.count == 3 })
        XCTAssertNotEqual(try ModalityFileDrop.plan(cases: 10, fraction: 0.3, seed: 11), try ModalityFileDrop.plan(cases: 10, fraction: 0.3, seed: 12))
        XCTAssertThrowsError(try ModalityFileDrop.plan(cases: 4, fraction: 0.8, seed: 1))
    }
}
