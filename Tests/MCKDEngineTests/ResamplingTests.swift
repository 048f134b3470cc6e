import MCKDEngine
import XCTest

/// Nearest and trilinear (align_corners = true) upsampling: hand-computed values,
/// gradients on the Double reference and OpenCL parity.
final class ResamplingTests: XCTestCase {
    static let scales = [VolumeTriple(1, 2, 2), VolumeTriple(2, 2, 2), VolumeTriple(3, 1, 2)]

    func testHandComputedValues() throws {
        // Along W: [0, 1, 4] -> 6 outputs at source positions 0, 0.4, 0.8, 1.2, 1.6, 2.
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let x = try backend.upload([0, 1, 4], shape: [1, 1, 1, 1, 3])
            let y = try backend.makeTensor(shape: [1, 1, 1, 1, 6])
            try backend.upsampleForward(.trilinear, scale: VolumeTriple(1, 1, 2), x: x, into: y)
            assertClose(try backend.download(y), [0, 0.4, 0.8, 1.6, 2.8, 4], relative: 1e-6, absolute: 1e-6, "\(backend.name) linear")
            try backend.upsampleForward(.nearest, scale: VolumeTriple(1, 1, 2), x: x, into: y)
            XCTAssertEqual(try backend.download(y), [0, 0, 1, 1, 4, 4], "\(backend.name) nearest")

            // 2x2 in H, W -> 4x4: corners stay, the centre of each 2x2 block is bilinear.
            let square = try backend.upload([0, 3, 6, 9], shape: [1, 1, 1, 2, 2])
            let big = try backend.makeTensor(shape: [1, 1, 1, 4, 4])
            try backend.upsampleForward(.trilinear, scale: VolumeTriple(1, 2, 2), x: square, into: big)
            let values = try backend.download(big)
            XCTAssertEqual(values[0], 0)
            XCTAssertEqual(values[3], 3)
            XCTAssertEqual(values[12], 6)
            XCTAssertEqual(values[15], 9)
            XCTAssertEqual(values[5], 3, accuracy: 1e-6, "(1/3, 1/3): 6/3 * ... = 0 + 3/3 + 6/3")
            // Gradient of a single output spreads with the same weights.
            let gradOutput = try backend.upload((0..<16).map { $0 == 5 ? 1 : 0 }, shape: [1, 1, 1, 4, 4])
            let gradInput = try backend.makeTensor(shape: [1, 1, 1, 2, 2])
            try backend.upsampleBackward(.trilinear, scale: VolumeTriple(1, 2, 2), gradOutput: gradOutput, into: gradInput)
            assertClose(try backend.download(gradInput), [4.0 / 9, 2.0 / 9, 2.0 / 9, 1.0 / 9], relative: 1e-6, absolute: 1e-6, "\(backend.name) spread")
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let cpu = CPUBackend<Double>()
        let shape: Shape = [2, 2, 2, 3, 3]
        let x = testValues(shape.count, seed: 81).map(Double.init)
        for scale in Self.scales {
            let outShape = try scale.upsampled(shape)
            let r = testValues(outShape.count, seed: 82).map(Double.init)
            for mode in [UpsamplingMode.nearest, .trilinear] {
                func loss(_ values: [Double]) throws -> Double {
                    let y = try cpu.makeTensor(shape: outShape)
                    try cpu.upsampleForward(mode, scale: scale, x: try cpu.uploadScalars(values, shape: shape), into: y)
                    return zip(try cpu.values(y), r).map { $0 * $1 }.reduce(0, +)
                }
                let gradInput = try cpu.makeTensor(shape: shape)
                try cpu.upsampleBackward(mode, scale: scale, gradOutput: try cpu.uploadScalars(r, shape: outShape), into: gradInput)
                assertGradientsMatch(try cpu.values(gradInput), try numericalGradient(at: x, loss), "\(mode) \(scale)")
            }
        }
    }

    /// Nearest copies (exact); its backward sums up to 12 values of size <= 1 in float
    /// against the reference's Double sums: error <= 12 * 6e-8, hence atol 1e-6. Trilinear blends 8 taps with float weights, and the
    /// backward sums up to ~27 weighted terms: rtol 1e-5 with an absolute floor.
    func testParityWithReference() throws {
        let gpu = try TestDevices.gpu()
        for shape: Shape in [[2, 3, 5, 7, 9], [3, 17, 3, 4, 5], [2, 64, 2, 3, 3], [2, 1, 1, 1, 1], [1, 2, 1, 6, 1]] {
            let x = testValues(shape.count, seed: 91)
            for scale in Self.scales {
                let outShape = try scale.upsampled(shape)
                let r = testValues(outShape.count, seed: 92)
                for mode in [UpsamplingMode.nearest, .trilinear] {
                    func run(_ backend: any Backend) throws -> [[Float]] {
                        let y = try backend.full(outShape, value: -7), gradInput = try backend.full(shape, value: -7)
                        try backend.upsampleForward(mode, scale: scale, x: try backend.upload(x, shape: shape), into: y)
                        try backend.upsampleBackward(mode, scale: scale, gradOutput: try backend.upload(r, shape: outShape), into: gradInput)
                        return [try backend.download(y), try backend.download(gradInput)]
                    }
                    let reference = try run(CPUBackend<Float>()), device = try run(gpu)
                    let exact = mode == .nearest
                    assertClose(device[0], reference[0], relative: exact ? 0 : 1e-5, absolute: exact ? 0 : 1e-6, "\(mode) \(scale) \(shape)")
                    assertClose(device[1], reference[1], relative: exact ? 1e-6 : 1e-5, absolute: 1e-6, "\(mode) backward \(scale) \(shape)")
                }
            }
        }
    }

    func testNaNPropagatesAndShapesAreChecked() throws {
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let x = try backend.upload([1, .nan, 3, 4], shape: [1, 1, 1, 2, 2])
            let y = try backend.makeTensor(shape: [1, 1, 2, 4, 4])
            try backend.upsampleForward(.trilinear, scale: VolumeTriple(all: 2), x: x, into: y)
            XCTAssertTrue(try backend.download(y)[1].isNaN, "\(backend.name): a NaN tap gives NaN")
            XCTAssertThrowsError(try backend.upsampleForward(.nearest, scale: VolumeTriple(1, 2, 2), x: x, into: y)) { error in
                XCTAssertTrue("\(error)".contains("upsample nearest"), "\(error)")
            }
        }
    }
}
