/// The convolution family's CPU-class kernels (Kernels/conv3d.cl): explicit wide vectors,
/// one work-item per group, for PoCL and other CPU OpenCL devices.
///
/// The kernels, each specialised for one geometry by -D defines:
/// - `conv3d_forward`: the direct convolution (any stride, padding, dilation);
/// - `conv3d_gather`: conv backward-data, which is also the transposed conv's forward;
/// - for rows too short for their 16 lanes along W, `conv3d_forward_tiles` and
///   `conv3d_gather_tiles` (8 flattened positions per work-item, the vector over
///   channels);
/// - `conv3d_filter`: the filter gradient as outer products (the vector over output
///   channels of a channels-last dy, x broadcast from a zero-padded copy), its long sum
///   split into chunks of planes that `sum_chunks` adds in order.
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
         "CB=\(channelBlock)", "VW=\(profile.vectorWidth)"]
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

    /// The filter-gradient tile (conv3d_filter's COV, CIG, KHG): as many accumulators as
    /// the vector registers hold with room for the operands (24 of AVX-512's 32, 12 of
    /// AVX2's 16), spent first on two output-channel vectors, then on kh rows of taps
    /// (whole rows, all kw), then on input channels: at most 8 with one vector, 12 with
    /// two (each needs a row pointer in a general register; measured on PoCL
    /// skylake-avx512, 1x1 convs ran 30% slower beyond that).
    func filterTile(_ c: Conv3DDescriptor) -> (vectors: Int, inputChannels: Int, rows: Int) {
        let width = profile.vectorWidth, budget = width >= 16 ? 24 : 12
        let vectors = min(2, Self.blocks(c.outputChannels, of: width))
        var rows = c.kernel.h
        while rows > 1 && (vectors * rows * c.kernel.w > budget || c.kernel.h % rows != 0) { rows -= 1 }
        let inputChannels = max(1, min(c.inputChannels, vectors == 1 ? 8 : 12, budget / (vectors * rows * c.kernel.w)))
        return (vectors, inputChannels, rows)
    }

    /// Chunks of (n, od) planes the filter gradient splits its sum into: enough
    /// work-items for every core and a channels-last dy slice per chunk that stays in
    /// cache (about 1 MiB), fixed by the shape alone so the summation order is too.
    static func filterChunks(planes: Int, workItems: Int, dyBytes: Int, weights: Int) -> Int {
        let wanted = max(blocks(64, of: workItems), blocks(dyBytes, of: 1 << 20))
        return max(1, min(planes, wanted, (1 << 24) / max(1, weights)))
    }

    /// A zero-padded copy of x [N, C, D, H, W] with `low` padding before and the
    /// extents `padded` (the kernels read it without bounds checks).
    func paddedCopy(_ x: Tensor, low: VolumeTriple, padded: [Int]) throws -> Tensor {
        let s = x.shape, rows = s[0] * s[1]
        let xp = try makeTensor(shape: Shape([s[0], s[1]] + padded))
        try launch("pad_volume", file: "conv3d_support", global: [padded[1], padded[0], rows], local: [1, 1, 1],
                   [.tensor(x), .tensor(xp), .int(rows), .int(s[2]), .int(s[3]), .int(s[4]),
                    .int(padded[0]), .int(padded[1]), .int(padded[2]), .int(low.d), .int(low.h), .int(low.w)])
        return xp
    }

    /// t [N, D*H*W, channels] from a [N, C, D, H, W], channels >= C (zeros past C).
    func channelsLast(_ a: Tensor, channels: Int) throws -> Tensor {
        let n = a.shape[0], spatial = a.count / (n * a.shape[1])
        let t = try makeTensor(shape: Shape(n, spatial, channels))
        try launch("channels_last", file: "conv3d_support", global: [spatial, n], local: [16, 1],
                   [.tensor(a), .tensor(t), .int(n), .int(a.shape[1]), .int(channels), .int(spatial)])
        return t
    }

    /// dw = conv filter gradient; shapes already checked. conv3d_filter sums outer
    /// products of channels-last dy and a padded x over chunks of planes; sum_chunks
    /// adds the chunks in order.
    func filterGradientCPU(_ c: Conv3DDescriptor, input: Tensor, gradOutput: Tensor, into gradWeight: Tensor) throws {
        let tile = filterTile(c), width = profile.vectorWidth
        let block = tile.vectors * width, coBlocks = Self.blocks(c.outputChannels, of: block)
        let x = input.shape, out = gradOutput.shape
        let padded = [x[2] + 2 * c.padding.d, x[3] + 2 * c.padding.h, x[4] + 2 * c.padding.w]
        let groups = [coBlocks * Self.blocks(c.inputChannels, of: tile.inputChannels), c.kernel.d * (c.kernel.h / tile.rows)]
        let chunks = Self.filterChunks(planes: out[0] * out[2], workItems: groups[0] * groups[1],
                                       dyBytes: out[0] * out[2] * out[3] * out[4] * coBlocks * block * 4, weights: gradWeight.count)
        let xp = try paddedCopy(input, low: c.padding, padded: padded)
        let dyT = try channelsLast(gradOutput, channels: coBlocks * block)
        let partial = chunks == 1 ? gradWeight : try makeTensor(shape: Shape(chunks * gradWeight.count))
        try launch("conv3d_filter", file: "conv3d",
                   defines: geometryDefines(c, channelBlock: 16) + ["COV=\(tile.vectors)", "CIG=\(tile.inputChannels)",
                                                                   "KHG=\(tile.rows)"],
                   global: groups + [chunks], local: Self.convolutionLocalSize,
                   [.tensor(xp), .tensor(dyT), .tensor(partial), .int(x[0]), .int(c.inputChannels), .int(c.outputChannels),
                    .int(padded[0]), .int(padded[1]), .int(padded[2]), .int(out[2]), .int(out[3]), .int(out[4]), .int(chunks)])
        if chunks > 1 {
            try launch("sum_chunks", file: "conv3d_support", global: [gradWeight.count], local: [Self.elementwiseLocalSize],
                       [.tensor(partial), .tensor(gradWeight), .int(gradWeight.count), .int(chunks)])
        }
    }
}
