import MCKDEngine
import XCTest

/// Max and global average pooling: gradients on the Double reference, OpenCL
/// parity over the paper model's windows and odd shapes, tie-breaking, NaN, determinism.
final class PoolingTests: XCTestCase {
    static let windows: [PoolingDescriptor] = [
        PoolingDescriptor(kernel: VolumeTriple(all: 3), stride: VolumeTriple(all: 2), padding: VolumeTriple(all: 1)),
        PoolingDescriptor(kernel: VolumeTriple(all: 2), stride: VolumeTriple(all: 2)),
        PoolingDescriptor(kernel: VolumeTriple(1, 3, 3), stride: VolumeTriple(1, 2, 2), padding: VolumeTriple(0, 1, 1)),
        PoolingDescriptor(kernel: VolumeTriple(2, 3, 2), stride: VolumeTriple(1, 1, 3), padding: VolumeTriple(1, 1, 0)),
        // AV-MNIST's 2D pooling (depth 1).
        PoolingDescriptor(kernel: VolumeTriple(1, 2, 2), stride: VolumeTriple(1, 2, 2)),
    ]

    func testGradientsMatchFiniteDifferences() throws {
        let cpu = CPUBackend<Double>()
        let shape: Shape = [2, 2, 3, 4, 5]
        let x = testValues(shape.count, seed: 51).map(Double.init)
        for window in Self.windows {
            let outShape = try window.outputShape(for: shape)
            let r = testValues(outShape.count, seed: 52).map(Double.init)
            func forward(_ values: [Double]) throws -> (Tensor, Tensor) {
                let y = try cpu.makeTensor(shape: outShape), argmax = try cpu.makeTensor(shape: outShape)
                try cpu.maxPoolForward(window, x: try cpu.uploadScalars(values, shape: shape), into: y, argmax: argmax)
                return (y, argmax)
            }
            let (_, argmax) = try forward(x)
            let gradInput = try cpu.makeTensor(shape: shape), rt = try cpu.uploadScalars(r, shape: outShape)
            try cpu.maxPoolBackward(window, gradOutput: rt, argmax: argmax, into: gradInput)
            let numeric = try numericalGradient(at: x) { zip(try cpu.values(try forward($0).0), r).map { $0 * $1 }.reduce(0, +) }
            assertGradientsMatch(try cpu.values(gradInput), numeric, "max \(window)")
        }
        let r = testValues(4, seed: 53).map(Double.init)
        func global(_ values: [Double]) throws -> Double {
            let y = try cpu.makeTensor(shape: [2, 2, 1, 1, 1])
            try cpu.globalAveragePoolForward(x: try cpu.uploadScalars(values, shape: shape), into: y)
            return zip(try cpu.values(y), r).map { $0 * $1 }.reduce(0, +)
        }
        let gradInput = try cpu.makeTensor(shape: shape)
        try cpu.globalAveragePoolBackward(gradOutput: try cpu.uploadScalars(r, shape: [2, 2, 1, 1, 1]), into: gradInput)
        assertGradientsMatch(try cpu.values(gradInput), try numericalGradient(at: x, global), "global average")
    }

    /// Max pooling picks, so forward and argmax are exact; the backward sums the gradients
    /// of up to 8 overlapping windows (size <= 1) in float against Double: atol 1e-6.
    func testParityWithReference() throws {
        let gpu = try TestDevices.gpu()
        for shape: Shape in [[2, 3, 5, 7, 9], [3, 17, 3, 4, 5], [2, 64, 2, 3, 3], [2, 1, 8, 8, 8], [2, 5, 1, 24, 24]] {
            let x = testValues(shape.count, seed: 61)
            // 3D windows do not fit the depth-1 volume; the 2D window fits all of them.
            for window in Self.windows {
                guard let outShape = try? window.outputShape(for: shape) else { continue }
                let r = testValues(outShape.count, seed: 62)
                func run(_ backend: any Backend) throws -> [[Float]] {
                    let xt = try backend.upload(x, shape: shape), rt = try backend.upload(r, shape: outShape)
                    let y = try backend.full(outShape, value: -7), argmax = try backend.full(outShape, value: -7)
                    let gradMax = try backend.full(shape, value: -7)
                    try backend.maxPoolForward(window, x: xt, into: y, argmax: argmax)
                    try backend.maxPoolBackward(window, gradOutput: rt, argmax: argmax, into: gradMax)
                    return try [y, argmax, gradMax].map { try backend.download($0) }
                }
                let reference = try run(CPUBackend<Float>()), device = try run(gpu)
                XCTAssertEqual(device[0], reference[0], "max \(shape) \(window)")
                XCTAssertEqual(device[1], reference[1], "argmax \(shape) \(window)")
                assertClose(device[2], reference[2], relative: 1e-6, absolute: 1e-6, "max backward \(shape) \(window)")
            }
        }
    }

    /// Sums of up to 4096 terms in order, then the chunks: within 1e-5 of the magnitudes' mean.
    func testGlobalAveragePoolParityAndDeterminism() throws {
        let gpu = try TestDevices.gpu()
        for shape: Shape in [[2, 3, 5, 7, 9], [3, 17, 3, 4, 5], [2, 64, 2, 3, 3], [1, 2, 20, 21, 22]] {
            let x = testValues(shape.count, seed: 71, scale: 2)
            let outShape = Shape(shape[0], shape[1], 1, 1, 1)
            let r = testValues(outShape.count, seed: 72)
            func run(_ backend: any Backend) throws -> [[Float]] {
                let y = try backend.full(outShape, value: -7), gradInput = try backend.full(shape, value: -7)
                try backend.globalAveragePoolForward(x: try backend.upload(x, shape: shape), into: y)
                try backend.globalAveragePoolBackward(gradOutput: try backend.upload(r, shape: outShape), into: gradInput)
                return [try backend.download(y), try backend.download(gradInput)]
            }
            let reference = try run(CPUBackend<Float>()), device = try run(gpu), again = try run(gpu)
            assertClose(device[0], reference[0], relative: 0, absolute: 2e-5, "global average \(shape)")
            assertClose(device[1], reference[1], relative: 1e-6, absolute: 0, "global average backward \(shape)")
            XCTAssertEqual(device[0].map(\.bitPattern), again[0].map(\.bitPattern), "deterministic \(shape)")
        }
    }

    /// Equal values: the first position in window order wins and gets the gradient.
    func testTiesGoToTheFirstMaximumAndNaNWins() throws {
        let window = PoolingDescriptor(kernel: VolumeTriple(all: 2), stride: VolumeTriple(all: 2))
        let overlapping = Self.windows[0]
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let shape: Shape = [1, 1, 2, 2, 2]
            let x = try backend.upload([1, 5, 5, 2, 5, 0, 5, 5], shape: shape)
            let y = try backend.makeTensor(shape: [1, 1, 1, 1, 1]), argmax = try backend.makeTensor(shape: [1, 1, 1, 1, 1])
            try backend.maxPoolForward(window, x: x, into: y, argmax: argmax)
            XCTAssertEqual(try backend.download(y), [5])
            XCTAssertEqual(try backend.download(argmax), [1], "\(backend.name): first maximum in window order")
            let gradInput = try backend.makeTensor(shape: shape)
            try backend.maxPoolBackward(window, gradOutput: try backend.upload([3], shape: [1, 1, 1, 1, 1]), argmax: argmax, into: gradInput)
            XCTAssertEqual(try backend.download(gradInput), [0, 3, 0, 0, 0, 0, 0, 0])

            // Overlapping windows over a constant volume: each window's winner is its first
            // in-range voxel, and voxels that win several windows sum their gradients.
            let constant = try backend.full([1, 1, 3, 3, 3], value: 1)
            let outShape = try overlapping.outputShape(for: constant.shape)
            let pooled = try backend.makeTensor(shape: outShape), winners = try backend.makeTensor(shape: outShape)
            try backend.maxPoolForward(overlapping, x: constant, into: pooled, argmax: winners)
            XCTAssertEqual(try backend.download(winners), [0, 1, 3, 4, 9, 10, 12, 13], "\(backend.name) overlapping ties")

            let withNaN = try backend.upload([1, .nan, 9, 2, 5, 0, 5, 5], shape: shape)
            try backend.maxPoolForward(window, x: withNaN, into: y, argmax: argmax)
            XCTAssertTrue(try backend.download(y)[0].isNaN, "\(backend.name): NaN propagates")
            XCTAssertEqual(try backend.download(argmax), [1])
        }
    }

    func testShapeErrors() throws {
        let window = Self.windows[0]
        XCTAssertThrowsError(try window.outputShape(for: [2, 3, 5])) { XCTAssertTrue("\($0)".contains("NCDHW"), "\($0)") }
        XCTAssertThrowsError(try PoolingDescriptor(kernel: VolumeTriple(all: 2), stride: VolumeTriple(all: 1), padding: VolumeTriple(all: 2))
            .outputShape(for: [1, 1, 4, 4, 4]))
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let x = try backend.makeTensor(shape: [1, 1, 5, 5, 5]), wrong = try backend.makeTensor(shape: [1, 1, 2, 2, 2])
            XCTAssertThrowsError(try backend.maxPoolForward(window, x: x, into: wrong, argmax: wrong)) { XCTAssertTrue("\($0)".contains("maxPool"), "\($0)") }
        }
    }
}
