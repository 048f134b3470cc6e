import MCKDEngine
import XCTest

/// Concat/split, batch slices, gathers and zeroing: pure copies,
/// so OpenCL must match the reference bit for bit, and each backward is the adjoint.
final class LayoutTests: XCTestCase {
    /// Runs `body` on both backends and asserts bitwise-equal results.
    func assertBitwiseParity(_ label: String, _ body: (any Backend) throws -> [Float]) throws {
        let (reference, device) = try onBothBackends(body)
        XCTAssertEqual(device.map(\.bitPattern), reference.map(\.bitPattern), label)
    }

    func testConcatAndSplitRoundTrip() throws {
        for (n, channels, spatial) in [(2, [1, 3, 17], [5, 7, 9]), (3, [64, 1], [2, 3, 3]), (1, [2, 2, 2, 2], [1, 1, 257])] {
            let parts = channels.map { Shape([n, $0] + spatial) }
            let whole = Shape([n, channels.reduce(0, +)] + spatial)
            let values = parts.enumerated().map { testValues($1.count, seed: UInt64(100 + $0)) }
            try assertBitwiseParity("concat \(whole)") { backend in
                let inputs = try zip(values, parts).map { try backend.upload($0, shape: $1) }
                let out = try backend.full(whole, value: -7)
                try backend.concatChannels(inputs, into: out)
                let pieces = try parts.map { try backend.full($0, value: -7) }
                try backend.splitChannels(out, into: pieces)
                for (k, piece) in pieces.enumerated() {
                    XCTAssertEqual(try backend.download(piece), values[k], "\(backend.name) split part \(k)")
                }
                return try backend.download(out)
            }
        }
        // By hand: channel blocks of each sample in order.
        let cpu = CPUBackend<Float>()
        let a = try cpu.upload([1, 2, 3, 4], shape: [2, 1, 1, 1, 2]), b = try cpu.upload([5, 6, 7, 8, 9, 10, 11, 12], shape: [2, 2, 1, 1, 2])
        let out = try cpu.makeTensor(shape: [2, 3, 1, 1, 2])
        try cpu.concatChannels([a, b], into: out)
        XCTAssertEqual(try cpu.download(out), [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
    }

    func testBatchSlicesGathersAndZeroing() throws {
        let shape: Shape = [6, 3, 2, 1, 5]
        let x = testValues(shape.count, seed: 9), entry = 30
        try assertBitwiseParity("strided slice") { backend in
            let xt = try backend.upload(x, shape: shape)
            let slice = try backend.full([3, 3, 2, 1, 5], value: -7)
            try backend.sliceBatch(xt, start: 1, step: 2, into: slice)
            let values = try backend.download(slice)
            XCTAssertEqual(Array(values[entry..<2 * entry]), Array(x[3 * entry..<4 * entry]), "\(backend.name) entry 1 is batch 3")
            let assembled = try backend.full(shape, value: 0)
            try backend.assignBatchSlice(slice, into: assembled, start: 1, step: 2)
            let whole = try backend.download(assembled)
            XCTAssertEqual(Array(whole[0..<entry]), [Float](repeating: 0, count: entry), "untouched entries stay")
            return values + whole
        }
        let indices = [4, 1, 4, 0]
        try assertBitwiseParity("gather") { backend in
            let xt = try backend.upload(x, shape: shape)
            let picked = try backend.full([4, 3, 2, 1, 5], value: -7)
            try backend.gatherBatch(xt, indices: indices, into: picked)
            let r = testValues(picked.count, seed: 10)
            let gradInput = try backend.full(shape, value: -7)
            try backend.gatherBatchBackward(try backend.upload(r, shape: picked.shape), indices: indices, into: gradInput)
            let gathered = try backend.download(picked), back = try backend.download(gradInput)
            // Adjoint: <gather(x), r> == <x, gatherBackward(r)>.
            let lhs = zip(gathered, r).map { Double($0) * Double($1) }.reduce(0, +)
            let rhs = zip(x, back).map { Double($0) * Double($1) }.reduce(0, +)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-5, "\(backend.name) adjoint")
            XCTAssertEqual(Array(back[2 * entry..<3 * entry]), [Float](repeating: 0, count: entry), "never gathered -> 0")
            XCTAssertEqual(back[4 * entry], r[0] + r[2 * entry], "repeats add in order")
            let zeroed = try backend.upload(x, shape: shape)
            try backend.zeroBatchEntries(zeroed, indices: [0, 5])
            let z = try backend.download(zeroed)
            XCTAssertTrue(z[0..<entry].allSatisfy { $0 == 0 } && z[(5 * entry)...].allSatisfy { $0 == 0 })
            XCTAssertEqual(Array(z[entry..<5 * entry]), Array(x[entry..<5 * entry]))
            return gathered + back + z
        }
    }

    func testErrorsNameTheOp() throws {
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let x = try backend.makeTensor(shape: [4, 2, 3]), y = try backend.makeTensor(shape: [2, 2, 3])
            XCTAssertThrowsError(try backend.sliceBatch(x, start: 1, step: 3, into: y)) { XCTAssertTrue("\($0)".contains("sliceBatch"), "\($0)") }
            XCTAssertThrowsError(try backend.gatherBatch(x, indices: [0, 9], into: y)) { XCTAssertTrue("\($0)".contains("index 9"), "\($0)") }
            XCTAssertThrowsError(try backend.concatChannels([x, x], into: y)) { XCTAssertTrue("\($0)".contains("concatChannels"), "\($0)") }
        }
    }
}
