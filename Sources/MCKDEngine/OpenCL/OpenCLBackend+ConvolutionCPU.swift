/// The convolution family's CPU-class kernels (Kernels/conv3d.cl): register tiles of
/// wide vectors over channels, one work-item per group, for PoCL and other CPU OpenCL
/// devices, specialised by -D defines for one geometry, the device profile's vector
/// width and a tile:
/// - `conv3d_forward`: the direct convolution (any stride, padding, dilation), RW
///   outputs along a row x COV vectors of output channels per work-item;
/// - `conv3d_forward_inside`: the same on the unpadded input, W padding taps skipped at
///   compile time, wherever the geometry allows it (`rowOverhang`); also stride-1
///   backward-data, as a forward convolution with mirrored weights;
/// - `conv3d_forward_rows`: the forward for few input channels, the vector along W over
///   a padded copy whose rows are split into their stride phases (the stem's W geometry
///   runs `conv3d_forward_winograd` instead, OpenCLBackend+ConvolutionWinograd.swift);
/// - `conv3d_gather`: conv backward-data, which is also the transposed conv's forward,
///   in the same tiles over input channels, one stride phase at a time;
/// - `conv_transpose3d_blocks`: the transposed forward when kernel equals stride, a
///   matrix product on the weight as it is;
/// - `conv3d_filter`: the filter gradient as outer products (the vector over output
///   channels of a channels-last dy, x broadcast), its long sum split into chunks of
///   planes, stored as whole vectors that `unpack_filter_chunks` adds in order into
///   the weight's layout;
/// - `conv3d_pointwise`: 1x1x1 convolutions with stride 1 (forward and backward-data),
///   a matrix product over the flattened volume with the vector along it.
/// `conv3d_forward`, `conv3d_forward_rows`, `conv3d_gather` and `conv3d_filter` read
/// their spatial input from a zero-padded copy (`pad_volume`), so no tap is checked
/// against the volume's edges; all but `conv_transpose3d_blocks` take weights re-packed
/// into channel blocks (`pack_weights`) so a tap's weights are contiguous.
///
/// None goes through CLBlast's SGEMM: the direct kernels run tens of GFLOP/s faster here
/// (bench: `sgemm conv` rows).
extension OpenCLBackend {
    /// Work-items of the explicit-vector kernels: one per group (PoCL's fastest for them).
    private static let convolutionLocalSize = [1, 1, 1]

    func geometryDefines(_ c: Conv3DDescriptor) -> [String] {
        ["KD=\(c.kernel.d)", "KH=\(c.kernel.h)", "KW=\(c.kernel.w)",
         "SD=\(c.stride.d)", "SH=\(c.stride.h)", "SW=\(c.stride.w)",
         "PD=\(c.padding.d)", "PH=\(c.padding.h)", "PW=\(c.padding.w)",
         "DD=\(c.dilation.d)", "DH=\(c.dilation.h)", "DW=\(c.dilation.w)",
         "VW=\(profile.vectorWidth)"]
    }

    private static func blocks(_ count: Int, of block: Int) -> Int { (count + block - 1) / block }

    /// Vector registers a tile's accumulators may take, the rest holding operands:
    /// 16 of AVX-512's 32 for the forward and gather tiles (24 spilled there), 24 for
    /// the filter gradient's; half on AVX2 (16 registers).
    var accumulatorBudget: Int { profile.vectorWidth >= 16 ? 16 : 8 }

    /// The forward / gather tile for rows of `width` results and `channels` channels in
    /// the vector: RW positions along the row and COV channel vectors. Long rows take
    /// segments of 8 (16 when one vector holds every channel); rows of at most 8 fit in
    /// one segment exactly, with more channel vectors in the freed registers, as many as
    /// fit without computing channels that do not exist: 256 channels at 5 positions take
    /// 2 vectors, not 3 (3 would compute 288; measured 3.9 ms against 3.4 for the
    /// transposed 1024->256 at 5^3). `.positionTiles` forces segments of 4 (the parity
    /// tests run both on every shape).
    public func rowTile(width: Int, channels: Int) -> (positions: Int, vectors: Int) {
        let budget = accumulatorBudget, channelVectors = Self.blocks(channels, of: profile.vectorWidth)
        let longest = convolutionTiling == .positionTiles ? 4 : (channelVectors == 1 ? budget : budget / 2)
        let positions = Self.blocks(width, of: Self.blocks(width, of: longest))
        let most = max(1, min(channelVectors, 8, budget / positions))
        return (positions, Self.leastPaddedGroup(of: channelVectors, atMost: most))
    }

    /// The group size in 1...most that computes the fewest items when `count` items go in
    /// whole groups (ceil(count / size) * size), the largest such size on a tie.
    private static func leastPaddedGroup(of count: Int, atMost most: Int) -> Int {
        (1...most).min { a, b in
            let (paddedA, paddedB) = (blocks(count, of: a) * a, blocks(count, of: b) * b)
            return paddedA != paddedB ? paddedA < paddedB : a > b
        }!
    }

    /// The tiling a pass runs with (`rowTile`'s long segments or forced short ones);
    /// the filter gradient has one tile rule.
    public func tiling(_ pass: ConvolutionPass, _ c: Conv3DDescriptor, input: Shape, output: Shape) -> ConvolutionTiling {
        convolutionTiling == .automatic ? .rowSegments : convolutionTiling
    }

    /// The weight [rows, columns, taps] re-packed into `block`-lane blocks (see
    /// pack_weights): lanes over rows (forward) or over columns (gather, `swapped`),
    /// the taps in reverse order when `mirrored`.
    private func packWeights(_ weight: Tensor, swapped: Bool, block: Int, mirrored: Bool = false) throws -> Tensor {
        let rows = weight.shape[0], columns = weight.shape[1], taps = weight.count / (rows * columns)
        // The batched transpose's G matrices of [R, C].
        let (g, r, c) = swapped ? (rows, columns, taps) : (1, rows, columns * taps)
        let padded = Self.blocks(r, of: block) * block
        let packed = try makeTensor(shape: Shape(padded * g * c))
        try launch("pack_weights", file: "conv3d_support", global: [Self.blocks(c, of: 16), Self.blocks(padded, of: 16), g],
                   local: [1, 1, 1], [.tensor(weight), .tensor(packed), .int(g), .int(r), .int(c), .int(block),
                                      .int(mirrored ? 1 : 0)])
        return packed
    }

    /// x [N, C, D, H, W] zero-padded by `low` before each axis to the extents `padded`
    /// (the kernels read it without bounds checks); x itself when that adds nothing.
    /// With `phases` > 1 each padded row (padded[2] = phases * slots) is split into its
    /// stride phases: padded column c at (c % phases) * slots + c / phases.
    func paddedCopy(_ x: Tensor, low: VolumeTriple, padded: [Int], phases: Int = 1) throws -> Tensor {
        let s = x.shape, rows = s[0] * s[1]
        if phases == 1 && low.values == [0, 0, 0] && padded == Array(s.dims[2...]) { return x }
        let xp = try makeTensor(shape: Shape([s[0], s[1]] + padded))
        try launch("pad_volume", file: "conv3d_support", global: [padded[0], rows], local: [1, 1],
                   [.tensor(x), .tensor(xp), .int(rows), .int(s[2]), .int(s[3]), .int(s[4]),
                    .int(padded[0]), .int(padded[1]), .int(padded[2]), .int(low.d), .int(low.h), .int(low.w), .int(phases)])
        return xp
    }

    /// t [N, D*H*W, channels] from a [N, C, D, H, W], channels >= C (zeros past C).
    func channelsLast(_ a: Tensor, channels: Int) throws -> Tensor {
        let n = a.shape[0], spatial = a.count / (n * a.shape[1])
        let t = try makeTensor(shape: Shape(n, spatial, channels))
        try launch("channels_last", file: "conv3d_support", global: [Self.blocks(spatial, of: 16), Self.blocks(channels, of: 16), n], local: [1, 1, 1],
                   [.tensor(a), .tensor(t), .int(n), .int(a.shape[1]), .int(channels), .int(spatial)])
        return t
    }

    /// The pointwise tile (conv3d_pointwise's CB rows x PV position vectors): 8 x 2 of
    /// AVX-512's 16 accumulators, 4 x 2 on AVX2.
    private var pointwiseTile: (rows: Int, vectors: Int) { (accumulatorBudget / 2, 2) }

    /// A 1x1x1 convolution with stride 1 and no padding, forward (`swapped` false: rows
    /// are output channels) or backward-data (true: rows are input channels), as one
    /// matrix product over the flattened volume: conv3d_pointwise.
    private func pointwiseCPU(_ c: Conv3DDescriptor, source: Tensor, weight: Tensor, bias: Tensor?, swapped: Bool,
                              into destination: Tensor) throws {
        let tile = pointwiseTile, s = destination.shape
        let (reduced, rows) = swapped ? (c.outputChannels, c.inputChannels) : (c.inputChannels, c.outputChannels)
        let volume = s[2] * s[3] * s[4]
        let packed = try packWeights(weight, swapped: swapped, block: tile.rows)
        try launch("conv3d_pointwise", file: "conv3d", defines: geometryDefines(c) + ["COV=1", "CB=\(tile.rows)", "PV=\(tile.vectors)"],
                   global: [Self.blocks(volume, of: tile.vectors * profile.vectorWidth), s[0] * Self.blocks(rows, of: tile.rows)],
                   local: [1, 1],
                   [.tensor(source), .tensor(packed), .tensor(bias ?? packed), .tensor(destination), .int(s[0]), .int(reduced),
                    .int(rows), .int(volume), .int(bias == nil ? 0 : 1)])
    }

    /// conv3d_forward_inside with weights already packed for `tile`.
    private func forwardInside(_ c: Conv3DDescriptor, input: Tensor, packed: Tensor, bias: Tensor?, into output: Tensor,
                               tile: (positions: Int, vectors: Int), overhang: Int) throws {
        let x = input.shape, out = output.shape
        let coBlocks = Self.blocks(c.outputChannels, of: tile.vectors * profile.vectorWidth)
        try launch("conv3d_forward_inside", file: "conv3d",
                   defines: geometryDefines(c) + ["RW=\(tile.positions)", "COV=\(tile.vectors)", "RE=\(overhang)"],
                   global: [Self.blocks(out[4], of: tile.positions), out[3], out[0] * out[2] * coBlocks],
                   local: Self.convolutionLocalSize,
                   [.tensor(input), .tensor(packed), .tensor(bias ?? packed), .tensor(output), .int(x[0]),
                    .int(c.inputChannels), .int(c.outputChannels), .int(x[2]), .int(x[3]), .int(x[4]),
                    .int(out[2]), .int(out[3]), .int(out[4]), .int(bias == nil ? 0 : 1)])
    }

    /// A stride-1 backward-data as the forward convolution it is: dy correlated with the
    /// weights mirrored and their channel roles swapped, padded by (K - 1) * D - P, on
    /// conv3d_forward_inside (no padded copy of dy, padding taps skipped), when that
    /// kernel runs this geometry. Nil: the gather's kernels.
    private func mirroredForward(_ c: Conv3DDescriptor) -> Conv3DDescriptor? {
        guard c.stride == 1 else { return nil }
        let reach = [0, 1, 2].map { (c.kernel.values[$0] - 1) * c.dilation.values[$0] - c.padding.values[$0] }
        guard reach.allSatisfy({ $0 >= 0 }) else { return nil }
        return Conv3DDescriptor(inputChannels: c.outputChannels, outputChannels: c.inputChannels, kernel: c.kernel,
                                padding: VolumeTriple(reach[0], reach[1], reach[2]), dilation: c.dilation)
    }

    /// conv3d_forward_inside's RE (how far the row's last output reads past the row) when
    /// it can run on x itself with tiles of `positions`: a row's first tile and its last
    /// (moved back to end at the row's end) skip their taps in the padding at compile
    /// time, so every other tile must read inside the row. Nil: the padded copy's kernel,
    /// also for kernels wider than 3 along W: with every tap unrolled the compiler keeps a
    /// row's inputs in registers beside the accumulators, and the 7^3 stem's 21 spill
    /// (9.2 ms against 6.3 with the padded copy, Kernels/dev).
    public func rowOverhang(_ c: Conv3DDescriptor, inputWidth: Int, outputWidth: Int, positions: Int) -> Int? {
        let (s, p, reach) = (c.stride.w, c.padding.w, (c.kernel.w - 1) * c.dilation.w)
        guard c.kernel.w <= 3, positions <= outputWidth else { return nil }
        for t in 0..<Self.blocks(outputWidth, of: positions) {
            let first = min(t * positions, outputWidth - positions), last = first + positions - 1
            if first > 0 && first * s - p < 0 { return nil }
            if last < outputWidth - 1 && last * s - p + reach > inputWidth - 1 { return nil }
        }
        return (outputWidth - 1) * s - p + reach - (inputWidth - 1)
    }

    /// conv3d_forward_rows' tile, PV vectors of positions along a row x CB output
    /// channels, when the forward runs with the vector along W: at most a quarter vector
    /// of input channels (where it measured faster than the vector over output channels;
    /// not at 16, Kernels/dev) and rows of at least a vector. Rows take up to a quarter of the
    /// accumulator budget in vectors, as few vectors in all as the row allows (the stem
    /// at the reference crop, rows of 80 = 5 vectors: 1 per work-item, not 4 computing 8),
    /// then the most per work-item; the channels take the rest (the stem's 32-wide rows:
    /// 2 x 8, 5.9-6.0 ms against 6.0-6.4 for 2 x 4; 64-wide rows of 16 channels: 4 x 4).
    /// `.positionTiles` forces one vector.
    public func forwardRowsTile(_ c: Conv3DDescriptor, outputWidth: Int) -> (vectors: Int, channels: Int)? {
        let width = profile.vectorWidth, budget = accumulatorBudget
        guard c.inputChannels * 4 <= width, outputWidth >= width else { return nil }
        let rowVectors = Self.blocks(outputWidth, of: width)
        let vectors = Self.leastPaddedGroup(of: rowVectors, atMost: convolutionTiling == .positionTiles ? 1 : min(rowVectors, budget / 4))
        return (vectors, min(c.outputChannels, budget / vectors))
    }

    /// conv3d_forward_rows: x padded with its rows split into their stride phases.
    private func forwardRows(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor,
                             tile: (vectors: Int, channels: Int)) throws {
        let x = input.shape, out = output.shape, stride = c.stride.w
        let span = tile.vectors * profile.vectorWidth, tiles = Self.blocks(out[4], of: span)
        // Each phase runs to the last tile's last lane's farthest tap.
        let slots = tiles * span + (c.kernel.w - 1) * c.dilation.w / stride
        let padded = [x[2] + 2 * c.padding.d, x[3] + 2 * c.padding.h, stride * slots]
        let xp = try paddedCopy(input, low: c.padding, padded: padded, phases: stride)
        let packed = try packWeights(weight, swapped: false, block: tile.channels)
        try launch("conv3d_forward_rows", file: "conv3d",
                   defines: geometryDefines(c) + ["PV=\(tile.vectors)", "CB=\(tile.channels)", "COV=1"],
                   global: [tiles, out[3], out[0] * out[2] * Self.blocks(c.outputChannels, of: tile.channels)],
                   local: Self.convolutionLocalSize,
                   [.tensor(xp), .tensor(packed), .tensor(bias ?? packed), .tensor(output), .int(x[0]),
                    .int(c.inputChannels), .int(c.outputChannels), .int(padded[0]), .int(padded[1]), .int(padded[2]),
                    .int(x[2]), .int(x[3]), .int(x[4]), .int(out[2]), .int(out[3]), .int(out[4]), .int(bias == nil ? 0 : 1)])
    }

    /// y = conv(x, w) + bias; shapes already checked against `c`.
    func forwardCPU(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        if c.isPointwise {
            return try pointwiseCPU(c, source: input, weight: weight, bias: bias, swapped: false, into: output)
        }
        let x = input.shape, out = output.shape
        if let channels = winogradChannels(c, outputWidth: out[4]) {
            return try forwardWinograd(c, input: input, weight: weight, bias: bias, into: output, channels: channels)
        }
        if let rows = forwardRowsTile(c, outputWidth: out[4]) {
            return try forwardRows(c, input: input, weight: weight, bias: bias, into: output, tile: rows)
        }
        let tile = rowTile(width: out[4], channels: c.outputChannels), block = tile.vectors * profile.vectorWidth
        if let overhang = rowOverhang(c, inputWidth: x[4], outputWidth: out[4], positions: tile.positions) {
            let packed = try packWeights(weight, swapped: false, block: block)
            return try forwardInside(c, input: input, packed: packed, bias: bias, into: output, tile: tile, overhang: overhang)
        }
        let coBlocks = Self.blocks(c.outputChannels, of: block)
        // Rows run to the last tile's end: (segments * RW - 1) * SW + (KW - 1) * DW + 1 columns.
        let columns = (Self.blocks(out[4], of: tile.positions) * tile.positions - 1) * c.stride.w + (c.kernel.w - 1) * c.dilation.w + 1
        let padded = [x[2] + 2 * c.padding.d, x[3] + 2 * c.padding.h, max(x[4] + 2 * c.padding.w, columns)]
        let xp = try paddedCopy(input, low: c.padding, padded: padded)
        let packed = try packWeights(weight, swapped: false, block: block)
        try launch("conv3d_forward", file: "conv3d", defines: geometryDefines(c) + ["RW=\(tile.positions)", "COV=\(tile.vectors)"],
                   global: [Self.blocks(out[4], of: tile.positions), out[3], out[0] * out[2] * coBlocks],
                   local: Self.convolutionLocalSize,
                   [.tensor(xp), .tensor(packed), .tensor(bias ?? packed), .tensor(output), .int(x[0]),
                    .int(c.inputChannels), .int(c.outputChannels), .int(padded[0]), .int(padded[1]), .int(padded[2]),
                    .int(x[2]), .int(x[3]), .int(x[4]), .int(out[2]), .int(out[3]), .int(out[4]), .int(bias == nil ? 0 : 1)])
    }

    /// dx = conv backward-data(dy, w) + bias (per input channel of `c`); shapes already
    /// checked. `conv3d_gather` tiles positions x input-channel vectors; with at most a
    /// quarter vector of input channels (the image convs' backward-data) `conv3d_gather_rows`
    /// runs the vector along W instead, over RH rows.
    func gatherCPU(_ c: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor, bias: Tensor?, into gradInput: Tensor) throws {
        if c.isPointwise {
            return try pointwiseCPU(c, source: gradOutput, weight: weight, bias: bias, swapped: true, into: gradInput)
        }
        let x = gradInput.shape, dy = gradOutput.shape, width = profile.vectorWidth
        let phaseWidth = Self.blocks(x[4], of: c.stride.w), phaseHeight = Self.blocks(x[3], of: c.stride.h)
        let alongRows = c.inputChannels * 4 <= width
        let tile = rowTile(width: phaseWidth, channels: c.inputChannels)
        if !alongRows, let mirrored = mirroredForward(c),
           let overhang = rowOverhang(mirrored, inputWidth: dy[4], outputWidth: x[4], positions: tile.positions) {
            let packed = try packWeights(weight, swapped: true, block: tile.vectors * width, mirrored: true)
            return try forwardInside(mirrored, input: gradOutput, packed: packed, bias: bias, into: gradInput, tile: tile,
                                     overhang: overhang)
        }
        let channels = alongRows ? c.inputChannels : tile.vectors * width                     // CB or CBLOCK
        let rows = alongRows ? max(1, accumulatorBudget / 2 / channels) : 1                    // RH
        let positions = alongRows ? width : tile.positions                                    // along W per work-item
        let tilesW = Self.blocks(phaseWidth, of: positions), tilesH = Self.blocks(phaseHeight, of: rows)
        // dy padded so that every tap's o + Q is in range: Q before (the farthest tap's
        // reach below zero), up to the last tile's last position's o after.
        let last = [x[2] - 1, tilesH * rows * c.stride.h - 1, tilesW * positions * c.stride.w - 1]
        let axes = [(c.kernel.d, c.stride.d, c.padding.d, c.dilation.d), (c.kernel.h, c.stride.h, c.padding.h, c.dilation.h),
                    (c.kernel.w, c.stride.w, c.padding.w, c.dilation.w)]
        var low = [0, 0, 0], padded = [0, 0, 0]
        for (a, (k, s, p, d)) in axes.enumerated() {
            low[a] = max(0, Self.blocks((k - 1) * d - p, of: s))
            padded[a] = low[a] + max(gradOutput.shape[a + 2], (last[a] + p) / s + 1)
        }
        let dyp = try paddedCopy(gradOutput, low: VolumeTriple(low[0], low[1], low[2]), padded: padded)
        let packed = try packWeights(weight, swapped: true, block: channels)
        let blocks = x[0] * x[2] * Self.blocks(c.inputChannels, of: channels)
        let arguments: [KernelArgument] = [.tensor(dyp), .tensor(packed), .tensor(bias ?? packed), .tensor(gradInput), .int(x[0]),
                                           .int(c.inputChannels), .int(c.outputChannels), .int(padded[0]), .int(padded[1]),
                                           .int(padded[2]), .int(x[2]), .int(x[3]), .int(x[4]), .int(low[0]), .int(low[1]),
                                           .int(low[2]), .int(dy[2]), .int(dy[3]), .int(dy[4]), .int(bias == nil ? 0 : 1)]
        if alongRows {
            try launch("conv3d_gather_rows", file: "conv3d", defines: geometryDefines(c) + ["RH=\(rows)", "CB=\(channels)", "COV=1"],
                       global: [c.stride.w * tilesW, c.stride.h * tilesH, blocks], local: Self.convolutionLocalSize, arguments)
        } else {
            try launch("conv3d_gather", file: "conv3d", defines: geometryDefines(c) + ["RW=\(tile.positions)", "COV=\(tile.vectors)"],
                       global: [c.stride.w * tilesW, x[3], blocks], local: Self.convolutionLocalSize, arguments)
        }
    }

    /// The transposed convolution's forward: `conv_transpose3d_blocks` where each input
    /// position writes a block of its own (a matrix product on the weight as it is, no
    /// packed or padded copies), else the adjoint convolution's gather.
    func transposeForwardCPU(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        let spatial = input.count / (input.shape[0] * input.shape[1])
        guard c.transposeWritesDisjointBlocks, let tile = blockTile(lanes: c.outputChannels * c.taps, positions: spatial) else {
            return try gatherCPU(c.adjoint, gradOutput: input, weight: weight, bias: bias, into: output)
        }
        let x = input.shape, block = tile.vectors * profile.vectorWidth
        try launch("conv_transpose3d_blocks", file: "conv3d",
                   defines: geometryDefines(c) + ["RW=\(tile.positions)", "COV=\(tile.vectors)"],
                   global: [Self.blocks(spatial, of: tile.positions), c.outputChannels * c.taps / block, x[0]],
                   local: Self.convolutionLocalSize,
                   [.tensor(input), .tensor(weight), .tensor(bias ?? weight), .tensor(output), .int(c.inputChannels),
                    .int(c.outputChannels), .int(x[2]), .int(x[3]), .int(x[4]), .int(bias == nil ? 0 : 1)])
    }

    /// conv_transpose3d_blocks' tile over `lanes` (co, tap) values and a volume of
    /// `positions`: two vectors of 8 positions when the vectors pair up, else one of 16
    /// (half on AVX2; `.positionTiles` halves the positions), or nil when the lanes do
    /// not fill whole vectors or the volume is shorter than a tile.
    public func blockTile(lanes: Int, positions: Int) -> (positions: Int, vectors: Int)? {
        let width = profile.vectorWidth
        guard lanes % width == 0 else { return nil }
        let vectors = (lanes / width) % 2 == 0 ? 2 : 1
        let along = accumulatorBudget / vectors / (convolutionTiling == .positionTiles ? 2 : 1)
        return along <= positions ? (along, vectors) : nil
    }

    /// The filter-gradient tile (conv3d_filter's COV, CIG, KHG): up to 24 accumulators
    /// (12 on AVX2), spent first on two output-channel vectors, then on kh rows of taps
    /// (whole rows, all kw), then on input channels: at most 8 with one vector, 12 with
    /// two (each needs a row pointer in a general register; measured on PoCL
    /// skylake-avx512, 1x1 convs ran 30% slower beyond that).
    func filterTile(_ c: Conv3DDescriptor) -> (vectors: Int, inputChannels: Int, rows: Int) {
        let width = profile.vectorWidth, budget = accumulatorBudget * 3 / 2
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

    /// Rows of dw one unpack_filter_chunks work-item transposes (UNPACK_ROWS in conv3d.cl).
    private static let unpackRows = 16

    /// dw = conv filter gradient; shapes already checked. conv3d_filter sums outer
    /// products of channels-last dy and a padded x over chunks of planes into channel
    /// blocks; unpack_filter_chunks adds the chunks in order into dw's [co][ci][tap].
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
        let rows = c.inputChannels * c.taps
        let partial = try makeTensor(shape: Shape(chunks * coBlocks * rows * block))
        let defines = geometryDefines(c) + ["COV=\(tile.vectors)", "CIG=\(tile.inputChannels)", "KHG=\(tile.rows)"]
        try launch("conv3d_filter", file: "conv3d", defines: defines, global: groups + [chunks], local: Self.convolutionLocalSize,
                   [.tensor(xp), .tensor(dyT), .tensor(partial), .int(x[0]), .int(c.inputChannels), .int(c.outputChannels),
                    .int(padded[0]), .int(padded[1]), .int(padded[2]), .int(out[2]), .int(out[3]), .int(out[4]), .int(chunks)])
        try launch("unpack_filter_chunks", file: "conv3d", defines: defines, global: [Self.blocks(rows, of: Self.unpackRows), coBlocks],
                   local: [1, 1],
                   [.tensor(partial), .tensor(gradWeight), .int(c.outputChannels), .int(rows), .int(chunks)])
    }
}
