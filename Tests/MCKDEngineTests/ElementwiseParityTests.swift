import MCKDEngine
import XCTest

/// Every elementwise op on OpenCL against the CPU reference.
final class ElementwiseParityTests: XCTestCase {
    let cpu = CPUBackend<Float>()

    /// Runs `op` on both backends with inputs uploaded to each and compares the output.
    func compare(count: Int, inputs: [[Float]], relative: Float = 1e-6, absolute: Float = 0, _ label: String,
                 _ op: (any Backend, [Tensor], Tensor) throws -> Void) throws {
        let gpu = try TestDevices.gpu()
        var results: [[Float]] = []
        for backend in [cpu as any Backend, gpu] {
            let tensors = try inputs.map { try backend.upload($0, shape: Shape(count)) }
            let out = try backend.full(Shape(count), value: -7)
            try op(backend, tensors, out)
            results.append(try backend.download(out))
        }
        assertClose(results[1], results[0], relative: relative, absolute: absolute, "\(label) n=\(count)")
    }

    func testFillAndCopyAreExact() throws {
        for n in edgeSizes {
            try compare(count: n, inputs: [], "fill") { backend, _, out in try backend.fill(out, with: 3.25) }
            try compare(count: n, inputs: [testValues(n)], "copy") { backend, x, out in try backend.copy(x[0], to: out) }
        }
    }

    func testBinaryScaleAndAxpy() throws {
        for n in edgeSizes {
            let inputs = [testValues(n, seed: 1), testValues(n, seed: 2)]
            for op in BinaryOp.allCases {
                try compare(count: n, inputs: inputs, "binary \(op)") { backend, x, out in try backend.binary(op, x[0], x[1], into: out) }
            }
            try compare(count: n, inputs: inputs, "scale") { backend, x, out in try backend.scale(x[0], by: -1.5, into: out) }
            try compare(count: n, inputs: inputs, "axpy") { backend, x, _ in try backend.axpy(alpha: 0.75, x: x[0], y: x[1]) }
        }
    }

    func testShapeMismatchIsAnError() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let a = try backend.makeTensor(shape: [3]), b = try backend.makeTensor(shape: [4])
            XCTAssertThrowsError(try backend.binary(.add, a, b, into: a)) { error in
                XCTAssertTrue("\(error)".contains("3 vs 4"), "\(error)")
            }
        }
    }
}
