import XCTest
import MCKDEngine

/// `usefulFlops` against a brute-force count: every output position, every tap of the
/// 3-D kernel, counted when it lands inside the input (Double, no per-axis shortcut).
final class ConvolutionFlopCountTests: XCTestCase {
    private func bruteForce(_ c: Conv3DDescriptor, input: Shape) throws -> Double {
        let output = try c.outputShape(forInput: input)
        var inside = 0.0
        for od in 0..<output[2] { for oh in 0..<output[3] { for ow in 0..<output[4] {
            for kd in 0..<c.kernel.d { for kh in 0..<c.kernel.h { for kw in 0..<c.kernel.w {
                let i = [od * c.stride.d - c.padding.d + kd * c.dilation.d,
                         oh * c.stride.h - c.padding.h + kh * c.dilation.h,
                         ow * c.stride.w - c.padding.w + kw * c.dilation.w]
                if (0..<3).allSatisfy({ (0..<input[2 + $0]).contains(i[$0]) }) { inside += 1 }
            } } }
        } } }
        return 2 * Double(input[0] * c.inputChannels * c.outputChannels) * inside
    }

    func testUsefulFlopsCountOnlyTapsInsideTheInput() throws {
        let cases: [(Conv3DDescriptor, Shape)] = [
            (Conv3DDescriptor(inputChannels: 3, outputChannels: 5, kernel: 3, padding: 1), Shape(2, 3, 6, 7, 8)),
            (Conv3DDescriptor(inputChannels: 2, outputChannels: 4, kernel: 7, stride: VolumeTriple(1, 2, 2), padding: 3), Shape(1, 2, 9, 12, 11)),
            (Conv3DDescriptor(inputChannels: 4, outputChannels: 4, kernel: 3, padding: 4, dilation: 4), Shape(1, 4, 5, 5, 5)),
            (Conv3DDescriptor(inputChannels: 4, outputChannels: 2, kernel: 3, stride: 2, padding: 1), Shape(1, 4, 8, 9, 7)),
            (Conv3DDescriptor(inputChannels: 8, outputChannels: 3, kernel: 1), Shape(3, 8, 4, 4, 4)),
        ]
        for (c, input) in cases {
            XCTAssertEqual(c.usefulFlops(input: input), try bruteForce(c, input: input), "\(c) on \(input)")
        }
        // Unpadded layers do every tap: the nominal count.
        let plain = Conv3DDescriptor(inputChannels: 8, outputChannels: 3, kernel: 2, stride: 2)
        XCTAssertEqual(plain.usefulFlops(input: Shape(1, 8, 6, 6, 6)), plain.flops(output: Shape(1, 3, 3, 3, 3)))
        // The ASPP's dilation-4 3^3 at 5^3: 7 of 15 taps per axis land inside.
        let aspp = Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, padding: 4, dilation: 4)
        XCTAssertEqual(aspp.usefulFlops(input: Shape(1, 1, 5, 5, 5)) / aspp.flops(output: Shape(1, 1, 5, 5, 5)), pow(7.0 / 15, 3), accuracy: 1e-12)
    }

    /// `winogradFlops`: 10 multiply-adds per pair of outputs along W (an odd row's last
    /// output a pair of its own) for each (kd, kh) tap inside the input, counted by brute
    /// force over every output row; below the direct count; nil where the forward does
    /// not run by minimal filtering.
    func testWinogradFlopsCountPairsOfOutputs() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu, gpu.profile.vectorWidth == 16 else {
            throw XCTSkip("minimal filtering runs on the CPU family at 16 lanes")
        }
        let width = gpu.profile.vectorWidth
        let cases: [(Conv3DDescriptor, Shape)] = [
            (Conv3DDescriptor(inputChannels: 1, outputChannels: 64, kernel: 7, stride: VolumeTriple(1, 2, 2), padding: 3), Shape(1, 1, 32, 64, 64)),
            (Conv3DDescriptor(inputChannels: 1, outputChannels: 3, kernel: VolumeTriple(3, 5, 7), stride: VolumeTriple(2, 1, 2),
                              padding: VolumeTriple(1, 2, 3), dilation: VolumeTriple(1, 2, 1)), Shape(2, 1, 6, 7, 4 * width + 2)),
        ]
        for (c, input) in cases {
            let output = try c.outputShape(forInput: input)
            var rowTaps = 0.0
            for od in 0..<output[2] { for oh in 0..<output[3] { for kd in 0..<c.kernel.d { for kh in 0..<c.kernel.h {
                let d = od * c.stride.d - c.padding.d + kd * c.dilation.d, h = oh * c.stride.h - c.padding.h + kh * c.dilation.h
                if (0..<input[2]).contains(d) && (0..<input[3]).contains(h) { rowTaps += 1 }
            } } } }
            var pairs = 0.0
            for _ in stride(from: 0, to: output[4], by: 2) { pairs += 1 }
            let expected = 2 * 10 * Double(input[0]) * pairs * rowTaps * Double(c.inputChannels * c.outputChannels)
            XCTAssertEqual(try gpu.winogradFlops(c, input: input), expected, "\(c) on \(input)")
            XCTAssertLessThan(expected, c.usefulFlops(input: input))
        }
        let k3 = Conv3DDescriptor(inputChannels: 1, outputChannels: 8, kernel: 3, padding: 1)
        XCTAssertNil(try gpu.winogradFlops(k3, input: Shape(1, 1, 8, 8, 64)))
    }
}
