import COpenCL
import Foundation

/// One tile of the GPU convolution family (Kernels/conv3d_gpu.cl): a work-group computes
/// `rows` x `columns` results of the pass's matrix product (rows: channels; columns:
/// positions, or (input channel, tap) for the filter gradient), each work-item a
/// `rowsPerItem` x `columnsPerItem` register block, staging `depth` steps of the
/// reduction in local memory at a time.
public struct GPUConvolutionTile: Hashable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    public let rowsPerItem: Int
    public let columnsPerItem: Int
    public let depth: Int

    /// Checks the kernels' staging constraints (the #error in conv3d_gpu.cl), so a bad
    /// tile fails here with its numbers rather than as a build log.
    public init(rows: Int, columns: Int, rowsPerItem: Int, columnsPerItem: Int, depth: Int = 16) throws {
        self.init(rows, columns, rowsPerItem, columnsPerItem, depth)
        let items = (rows / max(1, rowsPerItem)) * (columns / max(1, columnsPerItem))
        let valid = [rows, columns, rowsPerItem, columnsPerItem, depth].allSatisfy { $0 > 0 }
            && rows % rowsPerItem == 0 && columns % columnsPerItem == 0 && items % depth == 0 && items % columns == 0
            && rows % (items / depth) == 0 && columns % (items / depth) == 0 && depth % (items / columns) == 0
        guard valid else {
            throw EngineError.invalidArgument("GPU convolution tile \(self): the work-items (\(items)) must be a multiple of the depth "
                                              + "and of the columns, the rows and columns multiples of work-items / depth, the depth of work-items / columns")
        }
    }

    private init(_ rows: Int, _ columns: Int, _ rowsPerItem: Int, _ columnsPerItem: Int, _ depth: Int = 16) {
        self.rows = rows; self.columns = columns
        self.rowsPerItem = rowsPerItem; self.columnsPerItem = columnsPerItem; self.depth = depth
    }

    /// Work-items per group.
    public var workGroupSize: Int { (rows / rowsPerItem) * (columns / columnsPerItem) }
    /// The staged A and B tiles, each row padded by one float.
    public var localMemoryBytes: Int { 4 * depth * (rows + 1 + columns + 1) }

    var defines: [String] {
        ["TM=\(rows)", "TN=\(columns)", "TK=\(depth)", "RM=\(rowsPerItem)", "RN=\(columnsPerItem)"]
    }

    public var description: String {
        "\(rows)x\(columns) (\(rowsPerItem)x\(columnsPerItem) per work-item, depth \(depth))"
    }

    /// "rows x columns / rowsPerItem x columnsPerItem / depth", as the tile cache stores it.
    public var name: String { "\(rows)x\(columns)/\(rowsPerItem)x\(columnsPerItem)/\(depth)" }

    /// The tile a `name` spells, nil if it spells none that can run.
    public init?(name: String) {
        let numbers = name.split(whereSeparator: { $0 == "x" || $0 == "/" }).compactMap { Int($0) }
        guard numbers.count == 5,
              let tile = try? GPUConvolutionTile(rows: numbers[0], columns: numbers[1], rowsPerItem: numbers[2],
                                                 columnsPerItem: numbers[3], depth: numbers[4]) else { return nil }
        self = tile
    }

    /// Wide layers: 64 accumulators per work-item, 16.5 KB of local memory.
    public static let large = GPUConvolutionTile(128, 128, 8, 8)
    public static let square = GPUConvolutionTile(64, 64, 4, 4)
    public static let medium = GPUConvolutionTile(32, 64, 2, 4)
    /// Few channels (1 input channel, 3 logits): the rows would be mostly padding otherwise.
    public static let narrow = GPUConvolutionTile(16, 64, 1, 4)
    /// 64 work-items and 2.2 KB: the fallback for devices with small work-groups.
    public static let minimal = GPUConvolutionTile(16, 16, 2, 2)

    /// Largest first.
    public static let all: [GPUConvolutionTile] = [.large, .square, .medium, .narrow, .minimal]

    /// The tiles worth trying for a product of `rows` results per column, best guess
    /// first: tiles at most twice as tall as the rows need (next power of two, at least
    /// 16), and among those the largest that still gives `wantedGroups` work-groups for
    /// `columns` columns moves to the front (smaller tiles spread small layers over more
    /// compute units). `minimal` comes last: it is the fallback, not a choice.
    public static func candidates(rows: Int, columns: Int, wantedGroups: Int) -> [GPUConvolutionTile] {
        var height = 16
        while height < rows { height *= 2 }
        let fitting = all.filter { $0 != .minimal && $0.rows <= height }
        let groups = { (tile: GPUConvolutionTile) in ((rows + tile.rows - 1) / tile.rows) * ((columns + tile.columns - 1) / tile.columns) }
        let first = fitting.first { groups($0) >= wantedGroups } ?? fitting.last
        return (first.map { [$0] } ?? []) + fitting.filter { $0 != first } + [.minimal]
    }
}

/// The GPU convolution family's settings and the tiles it chose, per backend.
public final class GPUConvolutionSettings {
    /// Every GPU convolution runs this tile (tests force each; the bench compares them);
    /// nil: chosen per layer shape and pass.
    public var tile: GPUConvolutionTile?
    /// The number of chunks every pass's reduction is split into; nil: the filter
    /// gradient's enough to give the device's compute units work, forward's and
    /// backward-data's likewise where their tiles are too few (see `reductionChunks`).
    public var reductionChunks: Int?
    /// Benchmark mode: time every candidate tile once per (pass, geometry, size) and keep
    /// the fastest, remembered on disk (`GPUConvolutionTileCache`) under `cacheDirectory`.
    /// Nil: `MCKD_CONV_BENCHMARK` (1 or 0) if set, else on for GPU devices only (on PoCL
    /// the timings say nothing about a GPU, and the tests want no timing runs).
    public var benchmark: Bool?
    public var cacheDirectory = GPUConvolutionTileCache.defaultDirectory()
    /// Tiles chosen so far, by choice key (see `GPUConvolutionTileCache.tiles`).
    public private(set) var chosen: [String: GPUConvolutionTile] = [:]
    /// The measured tiles in effect (loaded or measured), nil until benchmark mode needs them.
    var cache: GPUConvolutionTileCache?

    init() {
        switch ProcessInfo.processInfo.environment["MCKD_CONV_BENCHMARK"] {
        case "1": benchmark = true
        case "0": benchmark = false
        default: benchmark = nil
        }
    }

    func remember(_ tile: GPUConvolutionTile, for key: String) { chosen[key] = tile }

    /// Forgets the tiles chosen in this process (the disk cache stays).
    public func forgetChoices() {
        chosen = [:]
        cache = nil
    }
}

/// The convolution family's GPU-class kernels (Kernels/conv3d_gpu.cl): implicit GEMM in
/// local-memory tiles, work-groups of 64-256 work-items; see the kernel file's header.
extension OpenCLBackend {
    private static func blocks(_ count: Int, of block: Int) -> Int { (count + block - 1) / block }

    private func gpuDefines(_ c: Conv3DDescriptor) -> [String] {
        ["KD=\(c.kernel.d)", "KH=\(c.kernel.h)", "KW=\(c.kernel.w)",
         "SD=\(c.stride.d)", "SH=\(c.stride.h)", "SW=\(c.stride.w)",
         "PD=\(c.padding.d)", "PH=\(c.padding.h)", "PW=\(c.padding.w)",
         "DD=\(c.dilation.d)", "DH=\(c.dilation.h)", "DW=\(c.dilation.w)"]
    }

    /// N, CI, CO, input and output extents: the run-time arguments every pass takes.
    private func gpuExtents(_ c: Conv3DDescriptor, input: Shape, output: Shape) -> [KernelArgument] {
        [.int(input[0]), .int(c.inputChannels), .int(c.outputChannels),
         .int(input[2]), .int(input[3]), .int(input[4]), .int(output[2]), .int(output[3]), .int(output[4])]
    }

    /// Why `tile` cannot run `kernel` here, or nil when it can: the device's work-group
    /// and local-memory limits, then (once built) the compiled kernel's own work-group limit.
    private func obstacle(_ tile: GPUConvolutionTile, kernel: String, defines: [String]) throws -> String? {
        if tile.workGroupSize > profile.maxWorkGroupSize {
            return "needs \(tile.workGroupSize) work-items, the device allows \(profile.maxWorkGroupSize)"
        }
        if tile.localMemoryBytes > profile.localMemoryBytes {
            return "needs \(formatBytes(tile.localMemoryBytes)) of local memory, the device has \(formatBytes(profile.localMemoryBytes))"
        }
        if isDryRun { return nil }
        let built = try programs.kernel(kernel, file: "conv3d_gpu", defines: defines + tile.defines)
        let fitted = try programs.fittedLocalSize([tile.workGroupSize], for: built, name: kernel)
        return fitted == [tile.workGroupSize] ? nil : "the compiled \(kernel) runs at most \(fitted[0]) work-items per group"
    }

    /// Runs `perform` with the tile for `kernel` on a product of `rows` x `columns` results
    /// summing `reduction` terms each: the forced tile (an error naming the limit when it
    /// cannot run here); else the one chosen before for this key; else, in benchmark
    /// mode, the fastest candidate (measured, or read from the disk cache); else the first
    /// candidate the device and compiled kernel accept.
    private func withGPUTile(_ kernel: String, defines: [String], rows: Int, columns: Int, reduction: Int, wantedGroups: Int,
                             _ perform: (GPUConvolutionTile) throws -> Void) throws {
        let settings = gpuConvolution
        if let forced = settings.tile {
            if let reason = try obstacle(forced, kernel: kernel, defines: defines) {
                throw EngineError.invalidArgument("GPU convolution tile \(forced) cannot run \(kernel) on \(device.name): \(reason)")
            }
            return try perform(forced)
        }
        let key = "\(kernel) \(defines.joined(separator: " ")) \(rows)x\(columns)x\(reduction)"
        if let known = settings.chosen[key] { return try perform(known) }
        var usable: [GPUConvolutionTile] = [], reasons: [String] = []
        let benchmarking = (settings.benchmark ?? (device.kind == .gpu)) && !isDryRun
        for tile in GPUConvolutionTile.candidates(rows: rows, columns: columns, wantedGroups: wantedGroups) {
            if let reason = try obstacle(tile, kernel: kernel, defines: defines) {
                reasons.append("\(tile): \(reason)")
            } else {
                usable.append(tile)
                if !benchmarking { break }
            }
        }
        // The fallback competes only when nothing else can run.
        if usable.count > 1 { usable.removeAll { $0 == .minimal } }
        guard var choice = usable.first else {
            throw EngineError.invalidArgument("no GPU convolution tile fits \(kernel) on \(device.name): " + reasons.joined(separator: "; "))
        }
        if benchmarking && usable.count > 1 {
            choice = try measuredTile(key: key, among: usable, perform)
        }
        settings.remember(choice, for: key)
        try perform(choice)
    }

    /// The cached tile for `key`, else the fastest of `tiles` (best of three timed runs
    /// after a warm-up that builds and first-launches it), written to the disk cache.
    private func measuredTile(key: String, among tiles: [GPUConvolutionTile],
                              _ perform: (GPUConvolutionTile) throws -> Void) throws -> GPUConvolutionTile {
        let settings = gpuConvolution
        let url = GPUConvolutionTileCache.fileURL(in: settings.cacheDirectory, for: device)
        let empty = GPUConvolutionTileCache(for: device)
        var cache = settings.cache ?? GPUConvolutionTileCache.load(from: url, matching: empty) ?? empty
        if let name = cache.tiles[key], let cached = GPUConvolutionTile(name: name), tiles.contains(cached) {
            settings.cache = cache
            return cached
        }
        var best: (tile: GPUConvolutionTile, seconds: Double)?
        for tile in tiles {
            let fastest = try bestTime(repeats: 3) { try perform(tile) }
            if fastest < best?.seconds ?? .infinity { best = (tile, fastest) }
        }
        cache.tiles[key] = best!.tile.name
        settings.cache = cache
        do {
            try cache.write(to: url)
        } catch {
            // Only the next process loses: it measures again.
            FileHandle.standardError.write(Data("mckd: cannot write the GPU convolution tile cache \(url.path): \(error)\n".utf8))
        }
        return best!.tile
    }

    /// Work-groups that keep every compute unit busy with a few groups each.
    private var wantedGroups: Int { 8 * profile.computeUnits }

    /// The largest partial-sum buffer the automatic split allocates.
    public static let partialSumBytes = 256 << 20

    /// How a reduction of `reduction` terms is cut: chunks of `length` terms (a multiple
    /// of the tile depth), `count` of them, summed in chunk order. `forced` chunks if
    /// given; else enough for `wantedGroups` work-groups next to the `groups` the tile
    /// grid has, each chunk at least `minimumSteps` depths long, the partial sums
    /// (`results` floats per chunk) within `partialSumBytes`.
    public static func reductionChunks(reduction: Int, depth: Int, groups: Int, wantedGroups: Int, results: Int,
                                       minimumSteps: Int, forced: Int?) -> (length: Int, count: Int) {
        let wanted = forced ?? min(blocks(wantedGroups, of: groups), reduction / (minimumSteps * depth),
                                   partialSumBytes / max(1, 4 * results), 65_535)
        let length = max(depth, blocks(blocks(reduction, of: max(1, wanted)), of: depth) * depth)
        return (length, blocks(reduction, of: length))
    }

    /// The chunks of a product of `rows` x `columns` results summing `reduction` terms. They
    /// follow the shape and device, not the tile (counted as if `square`), so every
    /// tile, measured or forced, gives the same bits.
    private func chunks(rows: Int, columns: Int, reduction: Int, results: Int, minimumSteps: Int) -> (length: Int, count: Int) {
        let square = GPUConvolutionTile.square
        return Self.reductionChunks(reduction: reduction, depth: square.depth,
                                    groups: Self.blocks(columns, of: square.columns) * Self.blocks(rows, of: square.rows),
                                    wantedGroups: wantedGroups, results: results, minimumSteps: minimumSteps,
                                    forced: gpuConvolution.reductionChunks)
    }

    /// Runs `launch` into `result` directly (one chunk) or into chunk-major partial sums
    /// added in chunk order by reduce_finish.
    private func summingChunks(_ chunks: (length: Int, count: Int), into result: Tensor,
                               _ launch: (Tensor) throws -> Void) throws {
        guard chunks.count > 1 else { return try launch(result) }
        let partial = try makeTensor(shape: Shape(chunks.count * result.count))
        try launch(partial)
        try self.launch("reduce_finish", file: "reduce", global: [result.count], local: [Self.elementwiseLocalSize],
                        [.tensor(partial), .tensor(result), .int(1), .int(chunks.count), .int(result.count), .float(1)])
    }

    /// Forward and backward-data chunks: at least 16 depths (256 terms) each; the
    /// filter gradient's sums are long, so its chunks are at least 64 depths.
    private static let shortReductionSteps = 16, longReductionSteps = 64

    /// y = conv(x, w) + bias; shapes already checked against `c`.
    func forwardGPU(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        let out = output.shape, columns = out[0] * out[2] * out[3] * out[4], reduction = c.inputChannels * c.taps
        let defines = gpuDefines(c)
        try withGPUTile("conv3d_gpu_forward", defines: defines, rows: c.outputChannels, columns: columns,
                        reduction: reduction, wantedGroups: wantedGroups) { tile in
            let split = chunks(rows: c.outputChannels, columns: columns, reduction: reduction, results: output.count,
                               minimumSteps: Self.shortReductionSteps)
            try summingChunks(split, into: output) { result in
                try launch("conv3d_gpu_forward", file: "conv3d_gpu", defines: defines + tile.defines,
                           global: [Self.blocks(columns, of: tile.columns) * tile.workGroupSize, Self.blocks(c.outputChannels, of: tile.rows),
                                    split.count],
                           local: [tile.workGroupSize, 1, 1],
                           [.tensor(input), .tensor(weight), .tensor(bias ?? weight), .tensor(result)]
                            + gpuExtents(c, input: input.shape, output: out) + [.int(bias == nil ? 0 : 1), .int(split.length)])
            }
        }
    }

    /// dx = conv backward-data(dy, w) + bias (per input channel of `c`); shapes already
    /// checked. One grid layer per stride phase and chunk; phase 0 has the most positions.
    func gatherGPU(_ c: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor, bias: Tensor?, into gradInput: Tensor) throws {
        let x = gradInput.shape, phases = c.stride.d * c.stride.h * c.stride.w
        let columns = x[0] * Self.blocks(x[2], of: c.stride.d) * Self.blocks(x[3], of: c.stride.h) * Self.blocks(x[4], of: c.stride.w)
        let reduction = c.outputChannels * c.taps, defines = gpuDefines(c)
        try withGPUTile("conv3d_gpu_gather", defines: defines, rows: c.inputChannels, columns: columns,
                        reduction: reduction, wantedGroups: wantedGroups) { tile in
            // The phases run side by side; the chunks must cover the phase with the most taps.
            let split = chunks(rows: c.inputChannels, columns: columns * phases, reduction: c.outputChannels * Self.mostPhaseTaps(c),
                               results: gradInput.count, minimumSteps: Self.shortReductionSteps)
            try summingChunks(split, into: gradInput) { result in
                try launch("conv3d_gpu_gather", file: "conv3d_gpu", defines: defines + tile.defines,
                           global: [Self.blocks(columns, of: tile.columns) * tile.workGroupSize,
                                    Self.blocks(c.inputChannels, of: tile.rows) * split.count, phases],
                           local: [tile.workGroupSize, 1, 1],
                           [.tensor(gradOutput), .tensor(weight), .tensor(bias ?? weight), .tensor(result)]
                            + gpuExtents(c, input: x, output: gradOutput.shape) + [.int(bias == nil ? 0 : 1), .int(split.length)])
            }
        }
    }

    /// The most taps that reach one stride phase of the gather (conv3d_gpu.cl's
    /// phase_taps): per axis, the taps k with (p + P - k * D) divisible by S, at worst p.
    public static func mostPhaseTaps(_ c: Conv3DDescriptor) -> Int {
        func most(_ extent: Int, _ stride: Int, _ padding: Int, _ dilation: Int) -> Int {
            (0..<stride).map { p in (0..<extent).filter { k in (p + padding - k * dilation) % stride == 0 }.count }.max() ?? extent
        }
        return most(c.kernel.d, c.stride.d, c.padding.d, c.dilation.d) * most(c.kernel.h, c.stride.h, c.padding.h, c.dilation.h)
            * most(c.kernel.w, c.stride.w, c.padding.w, c.dilation.w)
    }

    /// dw = conv filter gradient; shapes already checked. With one chunk the kernel writes
    /// dw; with more, each chunk its partial sums, added in order by reduce_finish.
    func filterGradientGPU(_ c: Conv3DDescriptor, input: Tensor, gradOutput: Tensor, into gradWeight: Tensor) throws {
        let dy = gradOutput.shape, columns = c.inputChannels * c.taps
        let reduction = dy[0] * dy[2] * dy[3] * dy[4]
        let defines = gpuDefines(c)
        try withGPUTile("conv3d_gpu_filter", defines: defines, rows: c.outputChannels, columns: columns,
                        reduction: reduction, wantedGroups: 1) { tile in
            let split = chunks(rows: c.outputChannels, columns: columns, reduction: reduction, results: gradWeight.count,
                               minimumSteps: Self.longReductionSteps)
            try summingChunks(split, into: gradWeight) { result in
                try launch("conv3d_gpu_filter", file: "conv3d_gpu", defines: defines + tile.defines,
                           global: [Self.blocks(columns, of: tile.columns) * tile.workGroupSize, Self.blocks(c.outputChannels, of: tile.rows),
                                    split.count],
                           local: [tile.workGroupSize, 1, 1],
                           [.tensor(input), .tensor(gradOutput), .tensor(result)]
                            + gpuExtents(c, input: input.shape, output: dy) + [.int(split.length)])
            }
        }
    }

    /// out[c] = sum of t [N, C, ...] over batch and space: a work-group per channel
    /// (the CPU family's one work-item per channel would leave a GPU nearly idle).
    func channelSumGPU(_ t: Tensor, into out: Tensor) throws {
        var width = 1
        while width * 2 <= min(256, profile.maxWorkGroupSize) { width *= 2 }
        let n = t.shape[0], channels = t.shape[1]
        try launch("channel_sum_groups", file: "conv3d_gpu_support", defines: ["SUM_WG=\(width)"],
                   global: [channels * width], local: [width],
                   [.tensor(t), .tensor(out), .int(n), .int(channels), .int(t.count / max(1, n * channels))])
    }
}
