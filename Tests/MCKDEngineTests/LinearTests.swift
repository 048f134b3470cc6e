import MCKDEngine
import XCTest

/// y = x W^T + b: finite-difference gradients on the Double reference, OpenCL parity.
final class LinearTests: XCTestCase {
    let cpu = CPUBackend<Float>()
    let cpu64 = CPUBackend<Double>()

    /// loss = sum(y * R) for a fixed R, so dloss/dy = R; each analytic gradient from
    /// linearBackward(gradOutput: R) against central differences of that loss.
    func testGradientsMatchFiniteDifferences() throws {
        let (n, inFeatures, outFeatures) = (3, 5, 4)
        let x = testValues(n * inFeatures, seed: 81).map(Double.init)
        let w = testValues(outFeatures * inFeatures, seed: 82).map(Double.init)
        let b = testValues(outFeatures, seed: 83).map(Double.init)
        let r = testValues(n * outFeatures, seed: 84).map(Double.init)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) throws -> Double {
            let y = try cpu64.makeTensor(shape: [n, outFeatures])
            try cpu64.linearForward(input: try cpu64.uploadScalars(x, shape: [n, inFeatures]),
                                    weight: try cpu64.uploadScalars(w, shape: [outFeatures, inFeatures]),
                                    bias: try cpu64.uploadScalars(b, shape: [outFeatures]), into: y)
            return zip(try cpu64.values(y), r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let gx = try cpu64.makeTensor(shape: [n, inFeatures]), gw = try cpu64.makeTensor(shape: [outFeatures, inFeatures])
        let gb = try cpu64.makeTensor(shape: [outFeatures])
        try cpu64.linearBackward(input: try cpu64.uploadScalars(x, shape: [n, inFeatures]),
                                 weight: try cpu64.uploadScalars(w, shape: [outFeatures, inFeatures]),
                                 gradOutput: try cpu64.uploadScalars(r, shape: [n, outFeatures]), gradInput: gx, gradWeight: gw, gradBias: gb)
        assertGradientsMatch(try cpu64.values(gx), try numericalGradient(at: x) { try loss($0, w, b) }, "input")
        assertGradientsMatch(try cpu64.values(gw), try numericalGradient(at: w) { try loss(x, $0, b) }, "weight")
        assertGradientsMatch(try cpu64.values(gb), try numericalGradient(at: b) { try loss(x, w, $0) }, "bias")
    }

    /// (N, in, out): odd sizes, the AV-MNIST projections (160/320 -> 128) and head
    /// (128 -> 64 -> 10), batches and output widths around the 256-wide work-group.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (7, 13, 5), (32, 320, 128), (32, 160, 128), (300, 64, 10), (5, 17, 257)]

    /// GEMM rule from docs/engine.md: each entry sums k products of inputs in [-1, 1), so it
    /// is within k * 4.8e-7 + 1e-6, where k is the summed extent (in for y, out for dx, N for
    /// dW and db); 2e-6 instead of 1e-6 leaves room for y's added bias.
    func testParity() throws {
        for (n, inFeatures, outFeatures) in Self.shapes {
            let x = testValues(n * inFeatures, seed: 85), w = testValues(outFeatures * inFeatures, seed: 86)
            let b = testValues(outFeatures, seed: 87), dy = testValues(n * outFeatures, seed: 88)
            for withBias in [true, false] {
                let results = try onBothBackends { backend in
                    let input = try backend.upload(x, shape: [n, inFeatures]), weight = try backend.upload(w, shape: [outFeatures, inFeatures])
                    let y = try backend.full([n, outFeatures], value: .nan)
                    try backend.linearForward(input: input, weight: weight, bias: withBias ? try backend.upload(b, shape: [outFeatures]) : nil, into: y)
                    let gx = try backend.full([n, inFeatures], value: .nan), gw = try backend.full([outFeatures, inFeatures], value: .nan)
                    let gb = try backend.full([outFeatures], value: .nan)
                    try backend.linearBackward(input: input, weight: weight, gradOutput: try backend.upload(dy, shape: [n, outFeatures]),
                                               gradInput: gx, gradWeight: gw, gradBias: withBias ? gb : nil)
                    return try [y, gx, gw] .flatMap { try backend.download($0) } + (withBias ? try backend.download(gb) : [])
                }
                let sizes = [n * outFeatures, n * inFeatures, outFeatures * inFeatures, withBias ? outFeatures : 0]
                let sums = [inFeatures, outFeatures, n, n]
                var offset = 0
                for (part, (size, k)) in zip(["y", "dx", "dW", "db"], zip(sizes, sums)) where size > 0 {
                    let range = offset..<(offset + size)
                    assertClose(Array(results.device[range]), Array(results.reference[range]), relative: 0,
                                absolute: Float(k) * 4.8e-7 + 2e-6, "\(part) N=\(n) in=\(inFeatures) out=\(outFeatures) bias=\(withBias)")
                    offset += size
                }
            }
        }
    }

    func testBiasGradientIsDeterministicAndShapesAreChecked() throws {
        let gpu = try TestDevices.gpu()
        let dy = try gpu.upload(testValues(1000 * 33, seed: 89), shape: [1000, 33])
        let x = try gpu.makeTensor(shape: [1000, 3]), w = try gpu.makeTensor(shape: [33, 3])
        var runs: [[UInt32]] = []
        for _ in 0..<2 {
            let gb = try gpu.makeTensor(shape: [33])
            try gpu.linearBackward(input: x, weight: w, gradOutput: dy, gradInput: nil, gradWeight: nil, gradBias: gb)
            runs.append(try gpu.download(gb).map(\.bitPattern))
        }
        XCTAssertEqual(runs[0], runs[1])
        for backend in [cpu as any Backend, gpu] {
            let input = try backend.makeTensor(shape: [2, 3]), weight = try backend.makeTensor(shape: [4, 3])
            XCTAssertThrowsError(try backend.linearForward(input: input, weight: try backend.makeTensor(shape: [4, 2]), bias: nil,
                                                           into: try backend.makeTensor(shape: [2, 4])))
            XCTAssertThrowsError(try backend.linearForward(input: input, weight: weight, bias: try backend.makeTensor(shape: [3]),
                                                           into: try backend.makeTensor(shape: [2, 4])))
            XCTAssertThrowsError(try backend.linearForward(input: input, weight: weight, bias: nil, into: try backend.makeTensor(shape: [4, 2])))
        }
    }
}
