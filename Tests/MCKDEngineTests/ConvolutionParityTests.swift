import MCKDEngine
import XCTest

/// The OpenCL convolution kernels against the CPU reference.
///
/// Tolerance: every output is a sum of `terms` products of values in [-1, 1); float32
/// accumulation in a different order (16-lane partials, fma) differs from the
/// Double-accumulated reference by at most about terms * 2^-23 in the worst case, so
/// each element must be within terms * 2.4e-7 (twice that) + 1e-6 absolute. A wrong
/// tap or a lost contribution is off by ~0.1-1, far outside this.
final class ConvolutionParityTests: XCTestCase {
    /// (descriptor, input shape): every variant the paper model uses, odd sizes, batch
    /// 2-3, channel counts around the 16-channel block, W below, at and past 16 and 32.
    static let convolutions: [(Conv3DDescriptor, Shape)] = [
        (Conv3DDescriptor(inputChannels: 1, outputChannels: 17, kernel: 7, stride: .init(1, 2, 2), padding: 3), [2, 1, 5, 9, 11]),  // stem
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 17, kernel: 3, padding: 1), [2, 3, 5, 7, 9]),
        (Conv3DDescriptor(inputChannels: 17, outputChannels: 3, kernel: 3, stride: 2, padding: 1), [3, 17, 5, 7, 9]),
        (Conv3DDescriptor(inputChannels: 17, outputChannels: 16, kernel: 1), [2, 17, 5, 7, 9]),
        (Conv3DDescriptor(inputChannels: 16, outputChannels: 33, kernel: 1, stride: 2), [2, 16, 5, 6, 37]),
        (Conv3DDescriptor(inputChannels: 5, outputChannels: 7, kernel: 3, padding: 2, dilation: 2), [2, 5, 5, 7, 17]),
        (Conv3DDescriptor(inputChannels: 4, outputChannels: 5, kernel: 3, padding: 4, dilation: 4), [1, 4, 5, 6, 9]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 4, kernel: 3, padding: 8, dilation: 8), [2, 3, 5, 10, 10]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 16, kernel: 3, padding: 1), [1, 3, 3, 4, 33]),
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 5, padding: 2), [2, 2, 5, 6, 16]),
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 2), [2, 2, 3, 5, 20]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 3, stride: 3), [1, 3, 7, 8, 50]),
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: .init(1, 3, 5), stride: .init(2, 1, 2),
                          padding: .init(0, 1, 3), dilation: .init(1, 2, 1)), [2, 2, 5, 6, 40]),
        // 2D (depth 1): the AV-MNIST encoders' 5x5 and 2x2 convs.
        (Conv3DDescriptor(inputChannels: 1, outputChannels: 5, kernel: .init(1, 5, 5)), [3, 1, 1, 28, 28]),
        (Conv3DDescriptor(inputChannels: 32, outputChannels: 48, kernel: .init(1, 2, 2)), [2, 32, 1, 19, 19]),
        // A 1x1 whose volume is whole vectors of the pointwise kernel (no partial tile).
        (Conv3DDescriptor(inputChannels: 20, outputChannels: 24, kernel: 1), [1, 20, 2, 4, 8]),
        // Rows of 32 with one channel vector each way: whole square tiles, stored transposed.
        (Conv3DDescriptor(inputChannels: 16, outputChannels: 8, kernel: 3, padding: 1), [2, 16, 3, 4, 32]),
        // conv3d_forward_rows (few input channels, rows of a vector or more): the stem on rows
        // of 20 (a whole vector and a partial one) with 17 channels (a partial channel
        // block); dilation 2 along W; stride 3 (three phases), W past two vectors.
        (Conv3DDescriptor(inputChannels: 1, outputChannels: 17, kernel: 7, stride: .init(1, 2, 2), padding: 3), [2, 1, 3, 5, 40]),
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 2, dilation: 2), [1, 2, 3, 4, 21]),
        (Conv3DDescriptor(inputChannels: 4, outputChannels: 9, kernel: 3, stride: 3, padding: 1), [1, 4, 3, 3, 110]),
        // conv3d_forward_winograd (the stem's W geometry, automatic tiling): two input
        // channels, 13 output channels (a partial block), rows of 80 (the reference crop's:
        // at VW 16 groups of 32 outputs, the first and last reading the row's padding, the
        // middle one not, the last partial); W padding 2 with stride 2 along D and
        // dilation 2 along H, rows of 31.
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 13, kernel: 7, stride: .init(1, 2, 2), padding: 3), [2, 2, 3, 5, 160]),
        (Conv3DDescriptor(inputChannels: 1, outputChannels: 5, kernel: .init(3, 3, 7), stride: .init(2, 1, 2),
                          padding: .init(1, 2, 2), dilation: .init(1, 2, 1)), [1, 1, 5, 6, 64]),
    ]

    /// Transposed convolutions; kernel 2 stride 2 is the decoder's upsampling.
    static let transposed: [(Conv3DDescriptor, Shape)] = [
        (Conv3DDescriptor(inputChannels: 17, outputChannels: 16, kernel: 2, stride: 2), [2, 17, 3, 4, 5]),
        (Conv3DDescriptor(inputChannels: 32, outputChannels: 3, kernel: 2, stride: 2), [1, 32, 2, 5, 19]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 5, kernel: 3, stride: 2, padding: 1, outputPadding: 1), [2, 3, 3, 4, 9]),
        (Conv3DDescriptor(inputChannels: 4, outputChannels: 3, kernel: .init(1, 2, 2), stride: .init(1, 2, 2)), [3, 4, 2, 3, 11]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 3, padding: 1, dilation: 2), [1, 3, 4, 5, 18]),
        (Conv3DDescriptor(inputChannels: 9, outputChannels: 18, kernel: 1), [2, 9, 3, 4, 5]),
        // conv_transpose3d_blocks: 48 (co, tap) lanes are 3 vectors of 16 (one per work-item),
        // a (1, 2, 2) kernel's 4 taps per channel, and a volume shorter than a tile (the gather).
        (Conv3DDescriptor(inputChannels: 6, outputChannels: 6, kernel: 2, stride: 2), [2, 6, 2, 3, 5]),
        (Conv3DDescriptor(inputChannels: 5, outputChannels: 8, kernel: .init(1, 2, 2), stride: .init(1, 2, 2)), [2, 5, 3, 3, 7]),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 2, stride: 2), [1, 3, 1, 2, 3]),
    ]

    func testConvolutionParity() throws {
        for (c, input) in Self.convolutions { try checkParity(c, input: input, transposed: false) }
    }

    func testTransposedConvolutionParity() throws {
        for (c, input) in Self.transposed { try checkParity(c, input: input, transposed: true) }
    }

    /// The paper model's deep layers: short rows (W <= 12), where the position-tile
    /// kernels run; two channel blocks, strides, dilation past the volume.
    static let shortRows: [(Conv3DDescriptor, Shape)] = [
        (Conv3DDescriptor(inputChannels: 32, outputChannels: 32, kernel: 3, stride: 2, padding: 1), [2, 32, 5, 9, 10]),
        (Conv3DDescriptor(inputChannels: 20, outputChannels: 16, kernel: 3, padding: 8, dilation: 8), [1, 20, 5, 5, 5]),
        (Conv3DDescriptor(inputChannels: 16, outputChannels: 48, kernel: 3, padding: 2, dilation: 2), [2, 16, 5, 5, 5]),
        (Conv3DDescriptor(inputChannels: 64, outputChannels: 32, kernel: 1), [2, 64, 3, 5, 5]),
    ]

    func testShortRowParity() throws {
        for (c, input) in Self.shortRows { try checkParity(c, input: input, transposed: false) }
    }

    /// The tile rule (CPU family): rows of at most a segment fit one work-item exactly,
    /// longer rows split into equal segments; registers freed by short rows hold more
    /// channel vectors; `.positionTiles` forces segments of at most 4.
    func testRowTiles() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu else { throw XCTSkip("the tile rule is the CPU family's") }
        defer { gpu.convolutionTiling = .automatic }
        let width = gpu.profile.vectorWidth, budget = width >= 16 ? 16 : 8
        // Rows of 5: one segment of 5 with 16 accumulators (room for 3 vectors), 3 + 2 (room
        // for 2) with 8. 256 channels are 16 vectors: 3 per block would compute 18, so 2.
        XCTAssertEqual(gpu.rowTile(width: 5, channels: 256).positions, budget == 16 ? 5 : 3)
        XCTAssertEqual(gpu.rowTile(width: 5, channels: 256).vectors, 2)
        XCTAssertEqual(gpu.rowTile(width: 5, channels: 3 * width).vectors, budget == 16 ? 3 : 1)
        XCTAssertEqual(gpu.rowTile(width: 5, channels: 3 * width + 1).vectors, 2)
        XCTAssertEqual(gpu.rowTile(width: 64, channels: 64).positions, budget / 2)
        XCTAssertEqual(gpu.rowTile(width: 64, channels: width).positions, budget)
        XCTAssertEqual(gpu.rowTile(width: 37, channels: 64).positions, budget == 16 ? 8 : 4)
        XCTAssertEqual(gpu.rowTile(width: 2, channels: 3).vectors, 1)
        gpu.convolutionTiling = .positionTiles
        XCTAssertEqual(gpu.rowTile(width: 37, channels: 64).positions, 4)
    }

    /// When the forward runs with the vector along W (conv3d_forward_rows), worked by hand:
    /// the stem's rows of 32 take 2 vectors x 8 channels (AVX-512; 2 x 4 on AVX2), rows of
    /// 64 with 16 channels 4 x 4 (2 x 4), rows of 5 vectors 1 x 16 (2 or 4 would compute 6
    /// or 8), a row narrower than a vector or a quarter vector plus one of input channels
    /// keep the vector over channels; `.positionTiles`: one vector.
    func testForwardRowsTiles() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu else { throw XCTSkip("the tile rule is the CPU family's") }
        defer { gpu.convolutionTiling = .automatic }
        let width = gpu.profile.vectorWidth, wide = width >= 16
        let stem = Conv3DDescriptor(inputChannels: 1, outputChannels: 64, kernel: 7, stride: .init(1, 2, 2), padding: 3)
        let tile = try XCTUnwrap(gpu.forwardRowsTile(stem, outputWidth: 32))
        XCTAssertEqual(tile.vectors, 2)
        XCTAssertEqual(tile.channels, wide ? 8 : 4)
        let image = Conv3DDescriptor(inputChannels: 1, outputChannels: 16, kernel: 3, padding: 1)
        XCTAssertEqual(gpu.forwardRowsTile(image, outputWidth: 64)?.vectors, wide ? 4 : 2)
        XCTAssertEqual(gpu.forwardRowsTile(image, outputWidth: 64)?.channels, 4)
        XCTAssertEqual(gpu.forwardRowsTile(stem, outputWidth: 5 * width)?.vectors, 1)
        XCTAssertEqual(gpu.forwardRowsTile(stem, outputWidth: 5 * width)?.channels, wide ? 16 : 8)
        XCTAssertNil(gpu.forwardRowsTile(image, outputWidth: width - 1))
        XCTAssertNil(gpu.forwardRowsTile(Conv3DDescriptor(inputChannels: width / 4 + 1, outputChannels: 16, kernel: 3, padding: 1),
                                         outputWidth: 64))
        gpu.convolutionTiling = .positionTiles
        XCTAssertEqual(gpu.forwardRowsTile(stem, outputWidth: 32)?.vectors, 1)
        XCTAssertEqual(gpu.forwardRowsTile(stem, outputWidth: 32)?.channels, wide ? 16 : 8)
    }

    /// When the forward runs by minimal filtering (conv3d_forward_winograd), worked by
    /// hand: 16-lane vectors, the stem's W geometry (kernel 7, stride 2, dilation 1) with
    /// at most a quarter vector of input channels and rows of a vector or more, 4 output
    /// channels per work-item, fewer when there are fewer; not another W kernel, stride
    /// or dilation, nor with a tiling forced, nor at narrower widths.
    func testWinogradChoice() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu else { throw XCTSkip("the choice is the CPU family's") }
        defer { gpu.convolutionTiling = .automatic }
        let width = gpu.profile.vectorWidth
        func stem(inputs: Int = 1, outputs: Int = 64, kernel: Int = 7, stride: Int = 2, dilation: Int = 1) -> Conv3DDescriptor {
            Conv3DDescriptor(inputChannels: inputs, outputChannels: outputs, kernel: .init(7, 7, kernel),
                             stride: .init(1, 2, stride), padding: 3, dilation: .init(1, 1, dilation))
        }
        guard width == 16 else {
            XCTAssertNil(gpu.winogradChannels(stem(), outputWidth: 32))
            return
        }
        XCTAssertEqual(gpu.winogradChannels(stem(), outputWidth: 32), 4)
        XCTAssertEqual(gpu.winogradChannels(stem(outputs: 1), outputWidth: 32), 1)
        XCTAssertEqual(gpu.winogradChannels(stem(inputs: width / 4), outputWidth: width), 4)
        XCTAssertNil(gpu.winogradChannels(stem(inputs: width / 4 + 1), outputWidth: 32))
        XCTAssertNil(gpu.winogradChannels(stem(), outputWidth: width - 1))
        XCTAssertNil(gpu.winogradChannels(stem(kernel: 5), outputWidth: 32))
        XCTAssertNil(gpu.winogradChannels(stem(stride: 1), outputWidth: 32))
        XCTAssertNil(gpu.winogradChannels(stem(dilation: 2), outputWidth: 32))
        for tiling in [ConvolutionTiling.rowSegments, .positionTiles] {
            gpu.convolutionTiling = tiling
            XCTAssertNil(gpu.winogradChannels(stem(), outputWidth: 32), "\(tiling)")
        }
    }

    /// When the forward runs on x itself (conv3d_forward_inside) and its RE, the taps the
    /// row's last output reads past the row, worked by hand: 32 wide, k3 p1, tiles of 8 -> 1;
    /// 16 -> 8 at stride 2 -> 0 (its last tap lands on column 15); a dilation-8 row of 10
    /// in tiles of 4: the middle tile (outputs 4..7) reads columns -4..15, outside -> nil; the
    /// 7-wide stem keeps the padded copy.
    func testRowOverhang() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu else { throw XCTSkip("the CPU family's forward") }
        let k3 = Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, padding: 1)
        XCTAssertEqual(gpu.rowOverhang(k3, inputWidth: 32, outputWidth: 32, positions: 8), 1)
        XCTAssertEqual(gpu.rowOverhang(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, stride: 2, padding: 1),
                                       inputWidth: 16, outputWidth: 8, positions: 8), 0)
        XCTAssertNil(gpu.rowOverhang(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, padding: 8, dilation: 8),
                                     inputWidth: 10, outputWidth: 10, positions: 4))
        XCTAssertNil(gpu.rowOverhang(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 7, stride: .init(1, 2, 2), padding: 3),
                                     inputWidth: 64, outputWidth: 32, positions: 8))
    }

    /// The transposed forward's block tile (CPU family): whole vectors of (co, tap) lanes,
    /// two per work-item when they pair up; nil (the gather) for a partial vector or a
    /// volume shorter than the tile; `.positionTiles` halves the positions.
    func testBlockTiles() throws {
        let gpu = try TestDevices.gpu()
        guard gpu.deviceClass == .cpu else { throw XCTSkip("the tile rule is the CPU family's") }
        defer { gpu.convolutionTiling = .automatic }
        let width = gpu.profile.vectorWidth, budget = width >= 16 ? 16 : 8
        XCTAssertEqual(gpu.blockTile(lanes: 2 * width, positions: 125)?.vectors, 2)
        XCTAssertEqual(gpu.blockTile(lanes: 2 * width, positions: 125)?.positions, budget / 2)
        XCTAssertEqual(gpu.blockTile(lanes: 3 * width, positions: 125)?.positions, budget)
        XCTAssertNil(gpu.blockTile(lanes: 3 * width + width / 2, positions: 125))
        XCTAssertNil(gpu.blockTile(lanes: width, positions: budget - 1))
        gpu.convolutionTiling = .positionTiles
        XCTAssertEqual(gpu.blockTile(lanes: 2 * width, positions: 125)?.positions, budget / 4)
    }

    /// Each tiling of the forward, gather and filter kernels, forced, on every shape above.
    func testBothTilingsOnEveryShape() throws {
        let gpu = try TestDevices.gpu()
        defer { gpu.convolutionTiling = .automatic }
        for tiling in [ConvolutionTiling.rowSegments, .positionTiles] {
            gpu.convolutionTiling = tiling
            for (c, input) in Self.convolutions + Self.shortRows { try checkParity(c, input: input, transposed: false) }
            for (c, input) in Self.transposed { try checkParity(c, input: input, transposed: true) }
        }
    }

    /// A realistic block: 32 channels at 16^3 (two full 16-lane segments per row).
    func testLargerShapeParity() throws {
        try checkParity(Conv3DDescriptor(inputChannels: 32, outputChannels: 32, kernel: 3, padding: 1), input: [1, 32, 8, 12, 32],
                        transposed: false)
    }

    /// NaN and Inf in the input, and a NaN in the output gradient, reach the same outputs
    /// on both backends; an Inf at the end of a row (read by lanes past the output's
    /// end) must not leak into the filter gradient of taps that never see it.
    func testNaNAndInfinityPropagate() throws {
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3)
        let input: Shape = [1, 2, 3, 4, 20]
        var x = testValues(input.count, seed: 31)
        x[5] = .nan
        x[19] = .infinity                      // last column of the first row
        x[input.count - 1] = -.infinity
        var dy = testValues(try c.outputShape(forInput: input).count, seed: 32)
        dy[7] = .nan
        let (reference, device) = try onBothBackends { backend in
            try run(c, input: input, transposed: false, on: backend, inputValues: x, gradValues: dy).flatMap { $0 }
        }
        XCTAssertTrue(reference.contains { $0.isNaN }, "the reference must see the NaN")
        XCTAssertTrue(reference.contains { $0.isFinite }, "taps away from the NaN stay finite")
        assertWithin(device, reference, terms: 2 * 27 * 36, "NaN/Inf propagation")
    }

    /// Same inputs twice -> the same bits (no atomics, fixed summation order).
    func testBackwardIsDeterministic() throws {
        let gpu = try TestDevices.gpu()
        for (c, input) in [Self.convolutions[2], Self.convolutions[5]] {
            let first = try run(c, input: input, transposed: false, on: gpu)
            let second = try run(c, input: input, transposed: false, on: gpu)
            XCTAssertEqual(first.map { $0.map(\.bitPattern) }, second.map { $0.map(\.bitPattern) }, "\(c)")
        }
        let (c, input) = Self.transposed[0]
        let first = try run(c, input: input, transposed: true, on: gpu)
        let second = try run(c, input: input, transposed: true, on: gpu)
        XCTAssertEqual(first.map { $0.map(\.bitPattern) }, second.map { $0.map(\.bitPattern) }, "transposed \(c)")
    }

    func testWeightStandardizationParity() throws {
        // Typical weights, and weights far from zero (1e3 + small spread), where a
        // one-pass variance would cancel catastrophically; a constant channel has var 0.
        let shape: Shape = [17, 5, 3, 3, 3]
        var offset = testValues(shape.count, seed: 41).map { 1000 + 0.01 * $0 }
        for j in 0..<135 { offset[j] = 0.25 }
        for (label, values) in [("typical", testValues(shape.count, seed: 41)), ("offset", offset)] {
            let g = testValues(shape.count, seed: 42)
            let (reference, device) = try onBothBackends { backend in
                let w = try backend.upload(values, shape: shape), y = try backend.makeTensor(shape: shape)
                let dw = try backend.makeTensor(shape: shape)
                try backend.standardizeWeights(w, into: y, eps: 1e-5)
                try backend.standardizeWeightsBackward(w, gradStandardized: try backend.upload(g, shape: shape), into: dw, eps: 1e-5)
                return try backend.download(y) + backend.download(dw)
            }
            // Each output comes from sums over K = 135 weights, each float sum within K
            // roundings of its terms' size; the gradient is scaled by 1 / std (100x
            // in the offset case), so the bound scales with the largest reference value.
            let largest = reference.map(abs).max()!
            assertClose(device, reference, relative: 0, absolute: 135 * 2.4e-7 * 4 * max(1, largest), "standardisation \(label)")
            XCTAssertTrue(device.allSatisfy(\.isFinite), "\(label)")
        }
    }

    func testShapeErrorsNameTheOp() throws {
        let gpu = try TestDevices.gpu()
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 2, stride: 2)
        let x = try gpu.makeTensor(shape: [1, 2, 4, 4, 4])
        XCTAssertThrowsError(try gpu.convTranspose3dForward(c, input: x, weight: try gpu.makeTensor(shape: c.transposedWeightShape),
                                                            bias: nil, into: try gpu.makeTensor(shape: [1, 3, 8, 8, 7]))) {
            XCTAssertTrue("\($0)".contains("convTranspose3dForward") && "\($0)".contains("1x3x8x8x8"), "\($0)")
        }
        XCTAssertThrowsError(try gpu.conv3dBackwardFilter(c, input: x, gradOutput: try gpu.makeTensor(shape: [1, 3, 2, 2, 2]),
                                                          into: try gpu.makeTensor(shape: c.weightShape),
                                                          gradBias: try gpu.makeTensor(shape: [2]))) {
            XCTAssertTrue("\($0)".contains("bias must be [3]"), "\($0)")
        }
    }
}
