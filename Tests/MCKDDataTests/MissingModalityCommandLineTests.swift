import Foundation
import XCTest

/// Missing means missing, as a user meets it: `mckd synth --drop` writes incomplete
/// cases, `mckd train` trains a few steps on them, `mckd eval` scores each case on the
/// subsets its files allow, and `mckd predict` labels a case that has only FLAIR and T1
/// on its own grid (read back with nibabel). Every expected count is counted here from
/// the files on disk.
extension CommandLineTests {
    static let suffixes = ["flair", "t1", "t1ce", "t2"]
    static let names = ["FLAIR", "T1", "T1ce", "T2"]

    /// Per case folder, which modalities (0...3) have a file.
    func modalitiesOnDisk(_ root: URL) throws -> [String: Set<Int>] {
        let grade = root.appendingPathComponent("HGG")
        var result: [String: Set<Int>] = [:]
        for id in try FileManager.default.contentsOfDirectory(atPath: grade.path) {
            result[id] = Set((0..<4).filter { FileManager.default.fileExists(atPath: grade.appendingPathComponent("\(id)/\(id)_\(Self.suffixes[$0]).nii.gz").path) })
        }
        return result
    }

    func testIncompleteCasesFromSynthTrainEvaluateAndPredict() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let data = folder.appendingPathComponent("data"), run = folder.appendingPathComponent("run")
        let synth = try mckd(["synth", "--out", data.path, "--cases", "8", "--size", "16,16,16", "--seed", "4", "--drop", "0.25"])
        XCTAssertEqual(synth.status, 0, synth.output)
        let onDisk = try modalitiesOnDisk(data)
        XCTAssertEqual(onDisk.count, 8)
        XCTAssertEqual(onDisk.values.map(\.count).reduce(0, +), 24, "a quarter of 32 files left out")
        XCTAssertTrue(onDisk.values.allSatisfy { !$0.isEmpty })
        let counts = (0..<4).map { m in onDisk.values.filter { $0.contains(m) }.count }
        XCTAssertTrue(synth.output.contains("left out 8 of 32 modality files"), synth.output)

        let train = try mckd(["train", "--data", data.path, "--device", "cpu", "--steps", "3", "--channels", "2,4", "--crop", "8,8,8",
                              "--meta-val-size", "1", "--test-size", "2", "--out", run.path])
        XCTAssertEqual(train.status, 0, train.output)
        let stated = zip(Self.names, counts).map { "\($0) \($1)" }.joined(separator: ", ") + " of 8 cases"
        XCTAssertTrue(train.output.contains("incomplete cases (missing modalities are missing for those samples): " + stated), train.output)
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("configuration.json"))) as! [String: Any]
        XCTAssertEqual(configuration["modalityCaseCounts"] as? [Int], counts)

        // Each subset's row holds the cases that have all of its modalities.
        let eval = try mckd(["eval", "--run", run.path, "--data", data.path, "--device", "cpu"])
        XCTAssertEqual(eval.status, 0, eval.output)
        let lines = eval.output.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("available") && $0.hasSuffix("cases") }, eval.output)
        var rows = 0
        for line in lines[(header + 1)...] {
            let cells = line.split(separator: " ").map(String.init)
            guard cells[0] != "mean" else { break }
            let members = Set(cells[0].split(separator: "+").map { Self.names.firstIndex(of: String($0))! })
            let expected = onDisk.values.filter { members.isSubset(of: $0) }.count
            XCTAssertEqual(Int(cells.last!), expected, line)
            rows += 1
        }
        XCTAssertEqual(rows, (1..<16).filter { mask in onDisk.values.contains { own in (0..<4).allSatisfy { mask & (1 << $0) == 0 || own.contains($0) } } }.count)

        // A patient with FLAIR and T1 only: the label map lies on the inputs' grid.
        let donor = try XCTUnwrap(onDisk.sorted { $0.key < $1.key }.first { $0.value.isSuperset(of: [0, 1]) }?.key)
        let patient = folder.appendingPathComponent(donor)
        try FileManager.default.createDirectory(at: patient, withIntermediateDirectories: true)
        for suffix in ["flair", "t1"] {
            try FileManager.default.copyItem(at: data.appendingPathComponent("HGG/\(donor)/\(donor)_\(suffix).nii.gz"),
                                             to: patient.appendingPathComponent("\(donor)_\(suffix).nii.gz"))
        }
        let prediction = folder.appendingPathComponent("prediction.nii.gz")
        let predict = try mckd(["predict", "--run", run.path, "--case", patient.path, "--out", prediction.path, "--device", "cpu"])
        XCTAssertEqual(predict.status, 0, predict.output)
        XCTAssertTrue(predict.output.contains("labels for \(donor) from FLAIR+T1 (the files present; no file for T1ce, T2)"), predict.output)
        let written = try TestSupport.probe(prediction, flatIndices: [])
        let input = try TestSupport.probe(patient.appendingPathComponent("\(donor)_flair.nii.gz"), flatIndices: [])
        XCTAssertEqual(written.shape, input.shape)
        XCTAssertEqual(written.affine, input.affine)
        XCTAssertEqual(written.dtype, "uint8")
        XCTAssertTrue(written.min >= 0 && written.max <= 4)

        let absent = try mckd(["predict", "--run", run.path, "--case", patient.path, "--available", "flair,t1ce", "--out", prediction.path, "--device", "cpu"])
        XCTAssertEqual(absent.status, 1)
        XCTAssertTrue(absent.output.contains("--available names T1ce, but the case has no such file (it has FLAIR, T1)"), absent.output)

        let outputs = folder.appendingPathComponent("predictions")
        let all = try mckd(["predict", "--run", run.path, "--cases", data.path, "--out", outputs.path, "--device", "cpu"])
        XCTAssertEqual(all.status, 0, all.output)
        XCTAssertTrue(all.output.contains("predicting case 1/8") && all.output.contains("wrote 8 label maps"), all.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted(), onDisk.keys.sorted().map { "\($0).nii.gz" })

        // A corrupt file is an error naming it.
        try Data([0x1f, 0x8b, 0x08, 0x00, 0x01]).write(to: patient.appendingPathComponent("\(donor)_t1.nii.gz"))
        let corrupt = try mckd(["predict", "--run", run.path, "--case", patient.path, "--out", prediction.path, "--device", "cpu"])
        XCTAssertEqual(corrupt.status, 1)
        XCTAssertTrue(corrupt.output.contains("\(donor)_t1.nii.gz"), corrupt.output)
    }
}
