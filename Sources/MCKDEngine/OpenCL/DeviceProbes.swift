

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
    /// or of 4 floats (GPU family), 8, 12 and 16 of them, best of 20 launches at each of
    /// two lengths (alternated): the rate is the extra work of the long launch over its
    /// extra time, so the fixed cost of a launch (a few percent of the long one on PoCL)
    /// cancels and the figure is the arithmetic units' own. It is the yardstick every compute row is
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
            func time(_ iterations: Int) throws -> Double {
                try elapsed {
                    try launch("fma_peak", file: "probe", defines: ["VW=\(width)", "CHAINS=\(chains)"], global: [workItems],
                               local: [local], [.tensor(sink), .int(iterations), .float(0.999), .float(0.001)])
                }
            }
            // The two lengths alternate, so a slow spell of a shared host slows both: timed
            // one after the other, a short launch's best once landed in one and read 350
            // GFLOP/s against a plain 236. One warm-up (the kernel's build) for both.
            _ = try time(short)
            var shortSeconds = Double.infinity, longSeconds = Double.infinity
            for _ in 0..<(quick ? 2 : 20) {
                shortSeconds = min(shortSeconds, try time(short))
                longSeconds = min(longSeconds, try time(long))
            }
            let flopsPerIteration = Double(workItems * chains * width * 2)
            // The long launch's plain rate stands where timer noise leaves no sane difference:
            // none, or a marginal rate over 1.25 times the plain one (a launch's fixed cost,
            // 23 us to enqueue and finish an empty kernel on PoCL, is a few percent of the
            // long launch, so the two rates differ by about that).
            let plain = flopsPerIteration * Double(long) / longSeconds
            let marginal = longSeconds > shortSeconds ? flopsPerIteration * Double(long - short) / (longSeconds - shortSeconds) : plain
            fmaGFLOPS = max(fmaGFLOPS, (marginal <= 1.25 * plain ? max(plain, marginal) : plain) / 1e9)
        }
        return fmaGFLOPS
    }

    /// Bandwidth, bytes a kernel must move per second: the engine's copy, and on CPU
    /// devices copy_peak, add_peak and read_peak at the vector width (4096 floats per
    /// work-item); the fastest counts. Best of 10 each. A read-only stream can outrun
    /// one that also writes, and the sum rows only read, so the read probe is among them.
    public func measureStreamBandwidth(quick: Bool = false) throws -> Double {
        let onCPU = deviceClass == .cpu
        let elements = quick ? 1 << 20 : 16 << 20
        let source = try makeTensor(shape: Shape(elements)), destination = try makeTensor(shape: Shape(elements))
        try fill(source, with: 1)
        try fill(destination, with: 0)
        let floatBytes = Double(elements * 4)
        var streamGBps = 2 * floatBytes / (try bestTime(repeats: quick ? 2 : 10) { try copy(source, to: destination) }) / 1e9
        if onCPU {
            for (kernel, transfers) in [("copy_peak", 2.0), ("add_peak", 3.0), ("read_peak", 1.0)] {
                let seconds = try bestTime(repeats: quick ? 2 : 10) {
                    try launch(kernel, file: "probe", defines: ["VW=\(profile.vectorWidth)", "CHAINS=1"], global: [elements / 4096], local: [1],
                               [.tensor(source), .tensor(destination), .int(elements)])
                }
                streamGBps = max(streamGBps, transfers * floatBytes / seconds / 1e9)
            }
        }
        return streamGBps
    }
}
