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

/// Damaged header fields behind a valid checksum: each a clear error, never a trap (an
/// overflowing length or shape product) or a hang.
extension CheckpointTests {
    /// A checkpoint file around `header` and `data`, with a correct CRC-32 (computed here,
    /// bit by bit, independently of the reader's zlib).
    func file(header: String, headerLength: UInt64? = nil, data: [Float] = []) -> Data {
        var bytes = Array("MCKDCKPT".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(UInt32(1))
        append(headerLength ?? UInt64(header.utf8.count))
        bytes += Array(header.utf8)
        for value in data { append(value.bitPattern) }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        append(~crc)
        return Data(bytes)
    }

    func testDamagedHeaderFieldsBehindAValidChecksumAreClearErrors() throws {
        let valid = file(header: #"{"step":3,"metadata":{},"tensors":[{"name":"w","shape":[2]}]}"#, data: [1, 2])
        let url = folder.appendingPathComponent("valid")
        try valid.write(to: url)
        XCTAssertEqual(try Checkpoint.read(from: url).tensors.first?.values, [1, 2], "the hand-made file is a good checkpoint")

        let variants: [(String, Data, String)] = [
            ("length 2^63", file(header: #"{"step":3,"metadata":{},"tensors":[]}"#, headerLength: 1 << 63), "header length"),
            ("length 2^64-1", file(header: #"{"step":3,"metadata":{},"tensors":[]}"#, headerLength: .max), "header length"),
            ("shape 2^40 x 2^40", file(header: #"{"step":3,"metadata":{},"tensors":[{"name":"w","shape":[1099511627776,1099511627776]}]}"#,
                                       data: [1, 2]), "runs past the end"),
            ("shape 2^62 x 4", file(header: #"{"step":3,"metadata":{},"tensors":[{"name":"w","shape":[4611686018427387904,4]}]}"#,
                                    data: [1, 2]), "runs past the end"),
            ("negative side", file(header: #"{"step":3,"metadata":{},"tensors":[{"name":"w","shape":[-1,-2]}]}"#, data: [1, 2]), "runs past the end"),
            ("step -5", file(header: #"{"step":-5,"metadata":{},"tensors":[]}"#), "step -5 is negative"),
        ]
        for (label, bytes, expected) in variants {
            let damaged = folder.appendingPathComponent(label)
            try bytes.write(to: damaged)
            XCTAssertThrowsError(try Checkpoint.read(from: damaged), label) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(label): \(error)")
            }
        }
    }
}

extension CheckpointTests {
    /// The header's keys are written sorted, so a checkpoint's bytes do not depend on the
    /// writing process's dictionary order: a run and its resumed twin give identical files.
    func testHeaderKeysAreWrittenInSortedOrder() throws {
        let checkpoint = Checkpoint(step: 3, metadata: ["zeta": "1", "alpha": "2", "mid": "3", "beta": "4"],
                                    tensors: [.init(name: "w", shape: [1], values: [1])])
        let bytes = try checkpoint.encoded()
        let length = Int(bytes[12..<20].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = String(decoding: bytes[20..<(20 + length)], as: UTF8.self)
        let positions = ["\"alpha\"", "\"beta\"", "\"mid\"", "\"zeta\""].map { header.range(of: $0)!.lowerBound }
        XCTAssertEqual(positions, positions.sorted(), header)
        let top = ["\"metadata\"", "\"step\"", "\"tensors\""].map { header.range(of: $0)!.lowerBound }
        XCTAssertEqual(top, top.sorted(), header)
    }
}
