

/// Measured limits of a device, the yardsticks the benchmark reports kernels against.
public struct DeviceLimits: Codable, Sendable {
    /// Single-precision fused multiply-add throughput, GFLOP/s.
    public var fmaGFLOPS: Double
    /// Streaming bandwidth on the device (bytes a kernel reads + writes), GB/s.
    public var streamGBps: Double
}

extension OpenCLBackend {
    /// Measures FMA throughput and streaming bandwidth. Takes a few seconds; run it warm
    /// (the first call also compiles the probe kernels).
    public func measureLimits(quick: Bool = false) throws -> DeviceLimits {
        DeviceLimits(fmaGFLOPS: try measureFMAPeak(quick: quick), streamGBps: try measureStreamBandwidth(quick: quick))
    }

    /// The FMA probe runs independent chains of the profile's vector width (CPU family)
    /// or of 4 floats (GPU family), 8, 12 and 16 of them, at two launch lengths: the
    /// rate is the extra work of the long launch over its extra time (`marginalRate`),
    /// so the fixed cost of a launch (a few percent of the long one on PoCL) cancels and
    /// the figure is the arithmetic units' own. It is the yardstick every compute row is
    /// a fraction of, and every row (ours or PyTorch's) pays some launch or dispatch
    /// cost, so none can pass it: one that did would mean the probe was wrong.
    public func measureFMAPeak(quick: Bool = false) throws -> Double {
        // Explicit-vector kernels want tiny work-groups on CPU devices (engine.md).
        let onCPU = deviceClass == .cpu
        let width = onCPU ? profile.vectorWidth : 4
        let local = onCPU ? 1 : 64
        let workItems = max(1, device.computeUnits) * (onCPU ? 16 : 2048)
        let short = quick ? 256 : (onCPU ? 8192 : 2048), long = 4 * short
        let sink = try makeTensor(shape: Shape(workItems))
        var fmaGFLOPS = 0.0
        for chains in [8, 12, 16] {
            func run(_ iterations: Int) throws {
                try launch("fma_peak", file: "probe", defines: ["VW=\(width)", "CHAINS=\(chains)"], global: [workItems],
                           local: [local], [.tensor(sink), .int(iterations), .float(0.999), .float(0.001)])
            }
            let flopsPerIteration = Double(workItems * chains * width * 2)
            fmaGFLOPS = max(fmaGFLOPS, try marginalRate(repeats: quick ? 2 : 20, work: (flopsPerIteration * Double(short), flopsPerIteration * Double(long)),
                                                        short: { try run(short) }, long: { try run(long) }) / 1e9)
        }
        return fmaGFLOPS
    }

    /// Bandwidth, bytes a kernel must move per second: the engine's copy, and on CPU
    /// devices copy_peak, add_peak and read_peak at the vector width, each in two
    /// layouts (a span of 4096 floats per work-item; one contiguous chunk per work-item,
    /// 8 per compute unit: each was the faster in some minutes of the shared 2-core EPYC);
    /// the fastest counts. The peaks run over 16M floats (the memory rows' size: a 64 MB
    /// stream partly hits a 32 MB L3 and read 20-40% faster than a 256 MB one there), once
    /// and four times queued behind one wait, the rate being the marginal one
    /// (`marginalRate`): the fixed cost of a launch and its wait cancel, which a single
    /// launch of a read probe paid against PyTorch's sum (5-8% slower side by side in one
    /// process). A read-only stream can outrun one that also writes, and the sum rows
    /// only read, so the read probe is among them.
    public func measureStreamBandwidth(quick: Bool = false) throws -> Double {
        let elements = quick ? 1 << 20 : 16 << 20
        let source = try makeTensor(shape: Shape(elements)), destination = try makeTensor(shape: Shape(elements))
        try fill(source, with: 1)
        try fill(destination, with: 0)
        let floatBytes = Double(elements * 4)
        var streamGBps = 2 * floatBytes / (try bestTime(repeats: quick ? 2 : 10) { try copy(source, to: destination) }) / 1e9
        guard deviceClass == .cpu else { return streamGBps }
        // Powers of two, so that every chunk is a whole number of 4-vector steps (and no
        // shorter than a span).
        var chunks = 1
        while chunks < 8 * device.computeUnits && chunks < elements / 4096 { chunks *= 2 }
        for workItems in [elements / 4096, chunks] {
            let sums = try makeTensor(shape: Shape(workItems))
            for (kernel, transfers) in [("copy_peak", 2.0), ("add_peak", 3.0), ("read_peak", 1.0)] {
                let output = kernel == "read_peak" ? sums : destination
                func run(_ launches: Int) throws {
                    for _ in 0..<launches {
                        try launch(kernel, file: "probe", defines: ["VW=\(profile.vectorWidth)", "CHAINS=1"],
                                   global: [workItems], local: [1], [.tensor(source), .tensor(output), .int(elements)])
                    }
                }
                let bytes = transfers * floatBytes
                streamGBps = max(streamGBps, try marginalRate(repeats: quick ? 2 : 10, work: (bytes, 4 * bytes),
                                                              short: { try run(1) }, long: { try run(4) }) / 1e9)
            }
            try checkStreamProbe("read_peak", download(sums).allSatisfy { $0 == Float(elements / workItems) })
        }
        let written = try download(destination)
        try checkStreamProbe("copy_peak and add_peak", written.allSatisfy { $0 == written[0] } && written[0] > 1)
        return streamGBps
    }

    /// A probe credited with bytes it did not move would overstate the bandwidth. Over a
    /// source of ones, each of read_peak's sums must be its chunk's length (exact in
    /// float: a power of two), and the destination, copied to and then added to, must
    /// hold one value above 1 everywhere.
    private func checkStreamProbe(_ kernels: String, _ movedEveryFloat: Bool) throws {
        guard movedEveryFloat else {
            throw EngineError.invalidArgument("\(kernels) on \(device.name) did not move every float it is credited with")
        }
    }

    /// Work per second of the long launch's extra work over its extra time, the two
    /// lengths timed alternately, best of `repeats` each after one warm-up of each (so
    /// a slow spell of a shared host slows both: timed one length after the other, a
    /// short launch's best once landed in one and the FMA probe read 350 GFLOP/s against
    /// a plain 236). Where timer noise leaves no sane difference (none, or a marginal
    /// rate over 1.25 times the plain one: a launch's fixed cost, 23 us to enqueue and
    /// finish an empty kernel on PoCL, is a few percent of the long launch), the long
    /// launch's plain rate stands.
    private func marginalRate(repeats: Int, work: (short: Double, long: Double),
                              short: () throws -> Void, long: () throws -> Void) throws -> Double {
        _ = try elapsed(short)
        _ = try elapsed(long)
        var shortSeconds = Double.infinity, longSeconds = Double.infinity
        for _ in 0..<repeats {
            shortSeconds = min(shortSeconds, try elapsed(short))
            longSeconds = min(longSeconds, try elapsed(long))
        }
        let plain = work.long / longSeconds
        let marginal = longSeconds > shortSeconds ? (work.long - work.short) / (longSeconds - shortSeconds) : plain
        return marginal <= 1.25 * plain ? max(plain, marginal) : plain
    }
}
