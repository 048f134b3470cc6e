import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

final class CheckpointTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    var sample: Checkpoint {
        Checkpoint(step: 42, metadata: ["config": "{\"arch\":\"small\"}", "seed": "7"], tensors: [
            .init(name: "encoder.conv1.weight", shape: [2, 1, 3], values: [1, -2, 3.5, .infinity, -0.0, 1e-38]),
            .init(name: "theta_w", shape: [4], values: [0.1, 0.2, 0.3, 0.4]),
        ])
    }

    func testRoundTripIsExact() throws {
        let url = folder.appendingPathComponent("checkpoint")
        try sample.write(to: url)
        let read = try Checkpoint.read(from: url)
        XCTAssertEqual(read.step, 42)
        XCTAssertEqual(read.metadata, sample.metadata)
        XCTAssertEqual(read.tensors.map(\.name), sample.tensors.map(\.name))
        for (a, b) in zip(read.tensors, sample.tensors) {
            XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), a.name)
        }
        XCTAssertEqual(try read.tensor("theta_w").shape, [4])
        XCTAssertThrowsError(try read.tensor("missing")) { XCTAssertTrue("\($0)".contains("missing")) }
    }

    func testOverwriteLeavesNoTemporaryFiles() throws {
        let url = folder.appendingPathComponent("checkpoint")
        try sample.write(to: url)
        var later = sample
        later.step = 43
        try later.write(to: url)
        XCTAssertEqual(try Checkpoint.read(from: url).step, 43)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["checkpoint"])
    }

    func testDamagedFilesAreClearErrors() throws {
        let url = folder.appendingPathComponent("checkpoint")
        try sample.write(to: url)
        let good = try Data(contentsOf: url)
        var flipped = good
        flipped[flipped.count / 2] ^= 0x40
        var wrongVersion = good
        wrongVersion[8] = 99
        let variants: [(String, Data, String)] = [
            ("empty", Data(), "bad magic"),
            ("truncated", good.prefix(good.count - 10), "checksum"),
            ("bit flip", flipped, "checksum"),
            ("foreign", Data("hello world, not a checkpoint at all".utf8), "bad magic"),
            ("future version", wrongVersion, "format version 99"),
        ]
        for (label, bytes, expected) in variants {
            let damaged = folder.appendingPathComponent(label)
            try bytes.write(to: damaged)
            XCTAssertThrowsError(try Checkpoint.read(from: damaged), label) { error in
                XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains(label), "\(label): \(error)")
            }
        }
        XCTAssertThrowsError(try Checkpoint.read(from: folder.appendingPathComponent("absent")))
    }

    func testInconsistentTensorIsRefusedOnWrite() {
        let bad = Checkpoint(step: 0, tensors: [.init(name: "w", shape: [2, 2], values: [1, 2, 3])])
        XCTAssertThrowsError(try bad.write(to: folder.appendingPathComponent("bad"))) { error in
            XCTAssertTrue("\(error)".contains("'w'"), "\(error)")
        }
    }

    /// A checkpoint of the decoder's earlier layout (bare 1x1 skip convs named
    /// decoder.skipN.weight, no skip norms) is refused naming what is missing and what
    /// is left over, not loaded half-way or crashed on.
    func testCheckpointOfTheEarlierDecoderLayoutIsAClearError() throws {
        let backend = CPUBackend<Float>()
        func trainer() throws -> SegmentationTrainer {
            try SegmentationTrainer(model: try SegmentationModel(backend, architecture: .small, seed: 1), settings: SegmentationTrainingSettings(steps: 1))
        }
        var checkpoint = try trainer().checkpoint(metadata: [:])
        checkpoint.tensors = checkpoint.tensors.compactMap { entry in
            guard entry.name.hasPrefix("decoder.skip") else { return entry }
            guard !entry.name.contains(".norm.") else { return nil }
            var old = entry
            old.name = entry.name.replacingOccurrences(of: ".conv.", with: ".")
            return old
        }
        let restored = try trainer()
        XCTAssertThrowsError(try restored.restore(from: checkpoint, file: "old-checkpoint")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("old-checkpoint"), message)
            XCTAssertTrue(message.contains("'decoder.skip1.conv.weight'") && message.contains("'decoder.skip1.weight'"), message)
            XCTAssertTrue(message.contains("skip blocks gained"), message)
        }
    }
}
