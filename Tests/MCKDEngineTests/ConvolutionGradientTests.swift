import MCKDEngine
import XCTest

/// Finite-difference checks of every convolution-family backward on the Double
/// reference, plus small forward cases worked out by hand (the gradient checks only
/// prove backward matches forward, not that forward is the right function).
final class ConvolutionGradientTests: XCTestCase {
    let cpu = CPUBackend<Double>()

    func doubles(_ count: Int, seed: UInt64) -> [Double] { testValues(count, seed: seed).map(Double.init) }

    func upload(_ values: [Double], _ shape: Shape) throws -> Tensor { try cpu.uploadScalars(values, shape: shape) }

    /// sum(output * r): its gradient with respect to the output is r.
    func dot(_ t: Tensor, _ r: [Double]) throws -> Double { zip(try cpu.values(t), r).reduce(0) { $0 + $1.0 * $1.1 } }

    /// loss = sum(conv(x, w) + b) * r) against backward-data, backward-filter and the bias gradient.
    func checkConvolution(_ c: Conv3DDescriptor, input: Shape, file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try c.outputShape(forInput: input)
        let x = doubles(input.count, seed: 1), w = doubles(c.weightShape.count, seed: 2)
        let b = doubles(c.outputChannels, seed: 3), r = doubles(output.count, seed: 4)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) throws -> Double {
            let y = try cpu.makeTensor(shape: output)
            try cpu.conv3dForward(c, input: try upload(x, input), weight: try upload(w, c.weightShape),
                                  bias: try upload(b, Shape(c.outputChannels)), into: y)
            return try dot(y, r)
        }
        let dy = try upload(r, output)
        let dx = try cpu.makeTensor(shape: input), dw = try cpu.makeTensor(shape: c.weightShape)
        let db = try cpu.makeTensor(shape: Shape(c.outputChannels))
        try cpu.conv3dBackwardData(c, gradOutput: dy, weight: try upload(w, c.weightShape), into: dx)
        try cpu.conv3dBackwardFilter(c, input: try upload(x, input), gradOutput: dy, into: dw, gradBias: db)
        assertGradientsMatch(try cpu.values(dx), try numericalGradient(at: x) { try loss($0, w, b) }, "\(c) dx", file: file, line: line)
        assertGradientsMatch(try cpu.values(dw), try numericalGradient(at: w) { try loss(x, $0, b) }, "\(c) dw", file: file, line: line)
        assertGradientsMatch(try cpu.values(db), try numericalGradient(at: b) { try loss(x, w, $0) }, "\(c) db", file: file, line: line)
    }

    func testConvolutionGradients() throws {
        // Stride, per-axis padding, dilation and kernel sizes of the paper model, small.
        try checkConvolution(Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1), input: [2, 2, 3, 4, 5])
        try checkConvolution(Conv3DDescriptor(inputChannels: 2, outputChannels: 2, kernel: 3, stride: 2, padding: 1), input: [1, 2, 5, 4, 7])
        try checkConvolution(Conv3DDescriptor(inputChannels: 1, outputChannels: 2, kernel: 7, stride: .init(1, 2, 2), padding: 3),
                             input: [1, 1, 2, 5, 6])
        try checkConvolution(Conv3DDescriptor(inputChannels: 2, outputChannels: 2, kernel: 3, padding: 2, dilation: 2), input: [1, 2, 3, 5, 6])
        try checkConvolution(Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 1, stride: 2), input: [2, 3, 3, 4, 5])
        try checkConvolution(Conv3DDescriptor(inputChannels: 2, outputChannels: 2, kernel: .init(1, 2, 5), stride: .init(1, 1, 3),
                                              padding: .init(0, 1, 2), dilation: .init(1, 2, 1)), input: [1, 2, 2, 4, 9])
    }

    /// The transposed convolution's three ops, with bias.
    func checkTransposed(_ c: Conv3DDescriptor, input: Shape, file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try c.transposedOutputShape(forInput: input)
        let wShape = c.transposedWeightShape
        let x = doubles(input.count, seed: 5), w = doubles(wShape.count, seed: 6)
        let b = doubles(c.outputChannels, seed: 7), r = doubles(output.count, seed: 8)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) throws -> Double {
            let y = try cpu.makeTensor(shape: output)
            try cpu.convTranspose3dForward(c, input: try upload(x, input), weight: try upload(w, wShape),
                                           bias: try upload(b, Shape(c.outputChannels)), into: y)
            return try dot(y, r)
        }
        let dy = try upload(r, output)
        let dx = try cpu.makeTensor(shape: input), dw = try cpu.makeTensor(shape: wShape)
        let db = try cpu.makeTensor(shape: Shape(c.outputChannels))
        try cpu.convTranspose3dBackwardData(c, gradOutput: dy, weight: try upload(w, wShape), into: dx)
        try cpu.convTranspose3dBackwardFilter(c, input: try upload(x, input), gradOutput: dy, into: dw, gradBias: db)
        assertGradientsMatch(try cpu.values(dx), try numericalGradient(at: x) { try loss($0, w, b) }, "T \(c) dx", file: file, line: line)
        assertGradientsMatch(try cpu.values(dw), try numericalGradient(at: w) { try loss(x, $0, b) }, "T \(c) dw", file: file, line: line)
        assertGradientsMatch(try cpu.values(db), try numericalGradient(at: b) { try loss(x, w, $0) }, "T \(c) db", file: file, line: line)
    }

    func testTransposedConvolutionGradients() throws {
        try checkTransposed(Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 2, stride: 2), input: [2, 3, 2, 3, 2])
        try checkTransposed(Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1),
                            input: [1, 2, 2, 3, 3])
        try checkTransposed(Conv3DDescriptor(inputChannels: 2, outputChannels: 2, kernel: .init(1, 3, 2), stride: .init(1, 1, 2),
                                             padding: .init(0, 1, 0), dilation: .init(1, 2, 1)), input: [1, 2, 2, 3, 3])
    }

    func testWeightStandardizationGradient() throws {
        let shape: Shape = [3, 2, 2, 1, 3]
        let w = doubles(shape.count, seed: 9), r = doubles(shape.count, seed: 10)
        for eps: Float in [1e-5, 0.5] {
            func loss(_ w: [Double]) throws -> Double {
                let y = try cpu.makeTensor(shape: shape)
                try cpu.standardizeWeights(try upload(w, shape), into: y, eps: eps)
                return try dot(y, r)
            }
            let dw = try cpu.makeTensor(shape: shape)
            try cpu.standardizeWeightsBackward(try upload(w, shape), gradStandardized: try upload(r, shape), into: dw, eps: eps)
            assertGradientsMatch(try cpu.values(dw), try numericalGradient(at: w, loss), "standardisation eps \(eps)")
        }
    }

    /// The reference's formula by hand: w = (1, 2, 3, 6) has mean 3, centred values
    /// (-2, -1, 0, 3), sum of squares 14 and unbiased variance 14/3 (the biased 14/4 would
    /// give values 1.15x as large); with eps = 0.5 the scale is 1/sqrt(14/3 + 0.5). A
    /// channel of one weight (K = 1) standardises to 0 (its centred value), not NaN.
    func testWeightStandardizationByHand() throws {
        let y = try cpu.makeTensor(shape: [2, 1, 1, 2, 2])
        try cpu.standardizeWeights(try upload([1, 2, 3, 6, 5, 5, 5, 5], [2, 1, 1, 2, 2]), into: y, eps: 0.5)
        let scale = 1 / (14.0 / 3 + 0.5).squareRoot()
        let expected = [-2, -1, 0, 3].map { $0 * scale } + [0, 0, 0, 0]
        for (value, wanted) in zip(try cpu.values(y), expected) { XCTAssertEqual(value, wanted, accuracy: 1e-12) }
        let single = try cpu.makeTensor(shape: [2, 1, 1, 1, 1])
        try cpu.standardizeWeights(try upload([4, -7], [2, 1, 1, 1, 1]), into: single, eps: 1e-12)
        XCTAssertEqual(try cpu.values(single), [0, 0])
    }

    /// The paper model's chain: y = conv(x, standardize(w)); d loss / d w through both ops.
    func testConvolutionThroughStandardization() throws {
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1)
        let input: Shape = [1, 2, 3, 3, 4], output = try c.outputShape(forInput: input)
        let x = doubles(input.count, seed: 11), w = doubles(c.weightShape.count, seed: 12), r = doubles(output.count, seed: 13)
        func loss(_ w: [Double]) throws -> Double {
            let ws = try cpu.makeTensor(shape: c.weightShape), y = try cpu.makeTensor(shape: output)
            try cpu.standardizeWeights(try upload(w, c.weightShape), into: ws, eps: 1e-5)
            try cpu.conv3dForward(c, input: try upload(x, input), weight: ws, bias: nil, into: y)
            return try dot(y, r)
        }
        let gradStandardized = try cpu.makeTensor(shape: c.weightShape), dw = try cpu.makeTensor(shape: c.weightShape)
        try cpu.conv3dBackwardFilter(c, input: try upload(x, input), gradOutput: try upload(r, output), into: gradStandardized, gradBias: nil)
        try cpu.standardizeWeightsBackward(try upload(w, c.weightShape), gradStandardized: gradStandardized, into: dw, eps: 1e-5)
        assertGradientsMatch(try cpu.values(dw), try numericalGradient(at: w, loss), "conv through standardisation")
    }

    /// A 1-channel 3x3 conv (depth 1, padding 1) on a 2x3 image, by hand.
    func testForwardByHand() throws {
        let c = Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: .init(1, 3, 3), padding: .init(0, 1, 1))
        let x = try upload([1, 2, 3, 4, 5, 6], [1, 1, 1, 2, 3])
        let w = try upload([0, 0, 0, 0, 1, 2, 0, 0, 10], c.weightShape)   // centre 1, right 2, bottom-right 10
        let y = try cpu.makeTensor(shape: [1, 1, 1, 2, 3])
        try cpu.conv3dForward(c, input: x, weight: w, bias: try upload([0.5], [1]), into: y)
        // y[h, w] = x[h, w] + 2 x[h, w+1] + 10 x[h+1, w+1] + 0.5
        let expected: [Double] = [55.5, 68.5, 3.5, 14.5, 17.5, 6.5]   // e.g. 1 + 2 * 2 + 10 * 5 + 0.5
        XCTAssertEqual(try cpu.values(y), expected)
    }

    /// Kernel 2, stride 2 (the decoder's upsampling): each input voxel becomes a 2x2x2
    /// block of weight * value, one channel's blocks summed over input channels.
    func testTransposedKernel2Stride2ByHand() throws {
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 1, kernel: 2, stride: 2)
        let xValues: [Double] = [1, -2, 3, 0.5]   // [1, 2, 1, 1, 2]: channel 0 = (1, -2), channel 1 = (3, 0.5)
        let wValues = (0..<16).map { Double($0) }   // w[ci, 0, kd, kh, kw] = 8 ci + tap
        let y = try cpu.makeTensor(shape: [1, 1, 2, 2, 4])
        try cpu.convTranspose3dForward(c, input: try upload(xValues, [1, 2, 1, 1, 2]), weight: try upload(wValues, c.transposedWeightShape),
                                       bias: nil, into: y)
        var expected = [Double](repeating: 0, count: 16)
        for kd in 0..<2 { for kh in 0..<2 { for iw in 0..<2 { for kw in 0..<2 {
            let tap = (kd * 2 + kh) * 2 + kw
            expected[(kd * 2 + kh) * 4 + iw * 2 + kw] = xValues[iw] * Double(tap) + xValues[2 + iw] * Double(8 + tap)
        } } } }
        XCTAssertEqual(try cpu.values(y), expected)
    }

    func testOutputShapesAndErrors() throws {
        let stem = Conv3DDescriptor(inputChannels: 1, outputChannels: 64, kernel: 7, stride: .init(1, 2, 2), padding: 3)
        XCTAssertEqual(try stem.outputShape(forInput: [2, 1, 80, 160, 160]), [2, 64, 80, 80, 80])
        let up = Conv3DDescriptor(inputChannels: 1024, outputChannels: 256, kernel: 2, stride: 2)
        XCTAssertEqual(try up.transposedOutputShape(forInput: [1, 1024, 5, 10, 10]), [1, 256, 10, 20, 20])
        let aspp = Conv3DDescriptor(inputChannels: 256, outputChannels: 256, kernel: 3, padding: 8, dilation: 8)
        XCTAssertEqual(try aspp.outputShape(forInput: [1, 256, 5, 10, 10]), [1, 256, 5, 10, 10])
        XCTAssertThrowsError(try stem.outputShape(forInput: [1, 2, 8, 8, 8])) { XCTAssertTrue("\($0)".contains("[N, 1, D, H, W]"), "\($0)") }
        XCTAssertThrowsError(try Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 5).outputShape(forInput: [1, 1, 4, 9, 9])) {
            XCTAssertTrue("\($0)".contains("smaller than the dilated kernel"), "\($0)")
        }
        XCTAssertThrowsError(try Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, stride: 0).validate())
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1)
        let x = try cpu.makeTensor(shape: [1, 2, 4, 4, 4]), w = try cpu.makeTensor(shape: c.weightShape)
        XCTAssertThrowsError(try cpu.conv3dForward(c, input: x, weight: w, bias: nil, into: try cpu.makeTensor(shape: [1, 3, 4, 4, 5]))) {
            XCTAssertTrue("\($0)".contains("conv3dForward") && "\($0)".contains("1x3x4x4x4"), "\($0)")
        }
        XCTAssertThrowsError(try cpu.conv3dForward(c, input: x, weight: x, bias: nil, into: try cpu.makeTensor(shape: [1, 3, 4, 4, 4]))) {
            XCTAssertTrue("\($0)".contains("weight must be 3x2x3x3x3"), "\($0)")
        }
        XCTAssertThrowsError(try cpu.standardizeWeights(w, into: w, eps: -1)) { XCTAssertTrue("\($0)".contains("eps"), "\($0)") }
    }
}
