/// The convolution family's CPU-class kernels (Kernels/conv3d.cl): explicit wide vectors,
/// one work-item per group, for PoCL and other CPU OpenCL devices.
///
/// The kernels, each specialised for one geometry by -D defines:
/// - `conv3d_forward`: the direct convolution (any stride, padding, dilation);
/// - `conv3d_gather`: conv backward-data, which is also the transposed conv's forward;
/// - for rows too short for their 16 lanes along W, `conv3d_forward_tiles` and
///   `conv3d_gather_tiles` (8 flattened positions per work-item, the vector over
///   channels) and `conv3d_filter_tiles` (16 flattened positions per vector);
/// - `conv3d_filter`: the filter gradient, each weight summed by one work-item in order.
/// Weights are first re-packed into 16-channel blocks (`pack_weights`) so the kernels'
/// per-tap weight reads are one contiguous float16.
///
/// 1x1x1 convolutions take the same direct kernels: measured on PoCL 3.1 (this 2-core
/// AVX2 machine, release, shared with other builds), a 64->64 1x1x1 conv at N=1, 32^3
/// ran at 13.5 and 23.6 GFLOP/s (two runs) through `conv3d_forward` against 2.6 and 6.8
/// GFLOP/s as one CLBlast SGEMM [Co, Ci] x [Ci, D*H*W] (untuned CLBlast), so there is no
/// GEMM path.
extension OpenCLBackend {
    /// Outputs along W per work-item (the kernels' float16 segment).
    private static let segment = 16
    /// Work-items of the explicit-vector kernels: one per group (PoCL's fastest for them).
    private static let convolutionLocalSize = [1, 1, 1]
    /// Output channels of the filter-gradient kernel's work-items.
    private static let filterChannelBlock = 16

    /// Channels one forward / gather work-item computes (the kernels' CB): 16 normally;
    /// a narrower block where 16-wide blocks would be mostly padding (1 input channel,
    /// 3 logits, 17 channels), since every lane costs a vector fma either way.
    static func channelBlock(forChannels channels: Int) -> Int {
        if channels == 1 { return 1 }
        return channels % 16 == 0 || channels >= 48 ? 16 : 4
    }

    private func geometryDefines(_ c: Conv3DDescriptor, channelBlock: Int) -> [String] {
        ["KD=\(c.kernel.d)", "KH=\(c.kernel.h)", "KW=\(c.kernel.w)",
         "SD=\(c.stride.d)", "SH=\(c.stride.h)", "SW=\(c.stride.w)",
         "PD=\(c.padding.d)", "PH=\(c.padding.h)", "PW=\(c.padding.w)",
         "DD=\(c.dilation.d)", "DH=\(c.dilation.h)", "DW=\(c.dilation.w)",
         "CB=\(channelBlock)"]
    }

    /// Run-time arguments shared by the conv3d kernels: N, CI, CO, input and output extents.
    private func extentArguments(_ c: Conv3DDescriptor, input: Shape, output: Shape) -> [KernelArgument] {
        [.int(input[0]), .int(c.inputChannels), .int(c.outputChannels),
         .int(input[2]), .int(input[3]), .int(input[4]), .int(output[2]), .int(output[3]), .int(output[4])]
    }

    private static func blocks(_ count: Int, of block: Int) -> Int { (count + block - 1) / block }

    /// The weight [rows, columns, taps] re-packed into `block`-lane blocks (see
    /// pack_weights): lanes over rows (forward) or over columns (gather, `swapped`).
    private func packWeights(_ weight: Tensor, swapped: Bool, block: Int) throws -> Tensor {
        let rows = weight.shape[0], columns = weight.shape[1], taps = weight.count / (rows * columns)
        let lanes = swapped ? columns : rows, inner = swapped ? rows : columns
        let packed = try makeTensor(shape: Shape(Self.blocks(lanes, of: block) * block * inner * taps))
        try launch("pack_weights", file: "conv3d_support", global: [packed.count], local: [Self.elementwiseLocalSize],
                   [.tensor(weight), .tensor(packed), .int(rows), .int(columns), .int(taps), .int(swapped ? 1 : 0), .int(block)])
        return packed
    }

    /// Positions of a tile kernel's work-item (their POSITIONS).
    private static let tilePositions = 8

    /// Rows of at most this many results take the tile kernels: there the row kernels
    /// leave at least a quarter of their 16 lanes idle, and on PoCL (this 2-core
    /// machine, under load) the tiles ran 1.2-3x faster at W = 5 to 14 and 0.8-1x at 16 to 64.
    static let shortRow = 12

    /// The kernels for result rows of `width` (unless `convolutionTiling` forces them).
    public func tiling(rowWidth width: Int) -> ConvolutionTiling {
        guard convolutionTiling == .automatic else { return convolutionTiling }
        return width <= Self.shortRow ? .positionTiles : .rowSegments
    }

    /// The tiling one pass of the convolution `c` (input -> output shapes) runs with:
    /// the forward and the filter gradient go by the output's rows, the gather
    /// (backward-data) by the input's rows as it fills them, one stride phase at a time.
    public func tiling(_ pass: ConvolutionPass, _ c: Conv3DDescriptor, input: Shape, output: Shape) -> ConvolutionTiling {
        switch pass {
        case .forward, .filterGradient: return tiling(rowWidth: output[4])
        case .gather: return tiling(rowWidth: (input[4] + c.stride.w - 1) / c.stride.w)
        }
    }

    /// y = conv(x, w) + bias; shapes already checked against `c`.
    func forwardCPU(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        let block = Self.channelBlock(forChannels: c.outputChannels)
        let packed = try packWeights(weight, swapped: false, block: block)
        let out = output.shape, coBlocks = Self.blocks(c.outputChannels, of: block)
        let tiles = tiling(.forward, c, input: input.shape, output: out) == .positionTiles
        try launch(tiles ? "conv3d_forward_tiles" : "conv3d_forward", file: "conv3d", defines: geometryDefines(c, channelBlock: block),
                   global: tiles ? [Self.blocks(out[2] * out[3] * out[4], of: Self.tilePositions), out[0], coBlocks]
                                 : [Self.blocks(out[4], of: Self.segment), out[3], out[0] * out[2] * coBlocks],
                   local: Self.convolutionLocalSize,
                   [.tensor(input), .tensor(packed), .tensor(bias ?? packed), .tensor(output)]
                    + extentArguments(c, input: input.shape, output: out) + [.int(bias == nil ? 0 : 1)])
    }

    /// dx = conv backward-data(dy, w) + bias (per input channel of `c`); shapes already checked.
    func gatherCPU(_ c: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor, bias: Tensor?, into gradInput: Tensor) throws {
        let block = Self.channelBlock(forChannels: c.inputChannels)
        let packed = try packWeights(weight, swapped: true, block: block)
        let x = gradInput.shape, ciBlocks = Self.blocks(c.inputChannels, of: block)
        let blocksPerPhase = Self.blocks((x[4] + c.stride.w - 1) / c.stride.w, of: Self.segment)
        let tiles = tiling(.gather, c, input: x, output: gradOutput.shape) == .positionTiles
        try launch(tiles ? "conv3d_gather_tiles" : "conv3d_gather", file: "conv3d", defines: geometryDefines(c, channelBlock: block),
                   global: tiles ? [Self.blocks(x[2] * x[3] * x[4], of: Self.tilePositions), x[0], ciBlocks]
                                 : [c.stride.w * blocksPerPhase, x[3], x[0] * x[2] * ciBlocks],
                   local: Self.convolutionLocalSize,
                   [.tensor(gradOutput), .tensor(packed), .tensor(bias ?? packed), .tensor(gradInput)]
                    + extentArguments(c, input: x, output: gradOutput.shape) + [.int(bias == nil ? 0 : 1)])
    }

    /// dw = conv filter gradient; shapes already checked.
    func filterGradientCPU(_ c: Conv3DDescriptor, input: Tensor, gradOutput: Tensor, into gradWeight: Tensor) throws {
        // conv3d_filter ignores CB; passing the forward's block reuses the forward's
        // program instead of building another (seconds per build on PoCL).
        let block = Self.channelBlock(forChannels: c.outputChannels)
        let tiles = tiling(.filterGradient, c, input: input.shape, output: gradOutput.shape) == .positionTiles
        try launch(tiles ? "conv3d_filter_tiles" : "conv3d_filter", file: "conv3d", defines: geometryDefines(c, channelBlock: block),
                   global: [c.taps, c.inputChannels, Self.blocks(c.outputChannels, of: Self.filterChannelBlock)],
                   local: Self.convolutionLocalSize,
                   [.tensor(input), .tensor(gradOutput), .tensor(gradWeight)]
                    + extentArguments(c, input: input.shape, output: gradOutput.shape))
    }

}
