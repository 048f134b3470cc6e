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

    func testUnaryMaps() throws {
        for n in edgeSizes {
            let signed = testValues(n, scale: 20)
            let positive = signed.map { abs($0) + 1e-3 }
            for op in UnaryOp.allCases {
                let input = [.sqrt, .log].contains(op) ? positive : signed
                // exp, log, tanh and division are not correctly rounded in OpenCL C
                // (the spec allows up to 4 ulp for exp/log and more for tanh): a few
                // ulp relative, plus an absolute floor for results near zero.
                try compare(count: n, inputs: [input], relative: 1e-5, absolute: 1e-6, "unary \(op)") { backend, x, out in
                    try backend.unary(op, x[0], into: out)
                }
            }
        }
    }

    func testNaNAndInfinityPropagate() throws {
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 100, -100]
        for op in UnaryOp.allCases {
            try compare(count: specials.count, inputs: [specials], relative: 1e-5, absolute: 1e-6, "unary \(op) on specials") { backend, x, out in
                try backend.unary(op, x[0], into: out)
            }
        }
        let gpu = try TestDevices.gpu()
        let x = try gpu.upload([.nan, -1], shape: [2])
        let out = try gpu.makeTensor(shape: [2])
        try gpu.unary(.relu, x, into: out)
        let relu = try gpu.download(out)
        XCTAssertTrue(relu[0].isNaN, "relu must keep NaN, not clamp it to 0")
        XCTAssertEqual(relu[1], 0)
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
