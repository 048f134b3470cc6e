

/// Measured limits of a device, the yardsticks the benchmark reports kernels against.
public struct DeviceLimits: Codable, Sendable {
    /// Single-precision fused multiply-add throughput, GFLOP/s.
    public var fmaGFLOPS: Double
    /// Device-to-device copy bandwidth (bytes read + written), GB/s.
    public var copyGBps: Double
}

extension OpenCLBackend {
    /// Measures FMA throughput and copy bandwidth. Takes about a second; run it warm
    /// (the first call also compiles the probe kernels).
    ///
    /// The FMA probe runs independent chains of the profile's vector width (CPU family)
    /// or of 4 floats (GPU family), 8, 12 and 16 of them, each launch a few milliseconds
    /// of work (the launch cost is a few percent of it), best of 20: on a machine shared
    /// with other work, short bursts catch the moments the cores are free, as the
    /// benchmark's (and PyTorch's) short rows do. It is the yardstick every compute row is
    /// a fraction of, so it must be the device's real peak: a kernel that beat it would
    /// mean the probe was wrong.
    public func measureLimits(quick: Bool = false) throws -> DeviceLimits {
        // Explicit-vector kernels want tiny work-groups on CPU devices (engine.md).
        let onCPU = deviceClass == .cpu
        let width = onCPU ? profile.vectorWidth : 4
        let local = onCPU ? 1 : 64
        let workItems = max(1, device.computeUnits) * (onCPU ? 16 : 2048)
        let iterations = quick ? 256 : (onCPU ? 16_384 : 4096)
        let sink = try makeTensor(shape: Shape(workItems))
        var fmaGFLOPS = 0.0
        for chains in [8, 12, 16] {
            let seconds = try bestTime(repeats: quick ? 2 : 20) {
                try launch("fma_peak", file: "probe", defines: ["VW=\(width)", "CHAINS=\(chains)"], global: [workItems], local: [local],
                           [.tensor(sink), .int(iterations), .float(0.999), .float(0.001)])
            }
            fmaGFLOPS = max(fmaGFLOPS, Double(workItems * iterations * chains * width * 2) / seconds / 1e9)
        }

        // Bandwidth: the engine's copy and a copy at the vector width (4096 floats per
        // work-item in the CPU family), the faster counts; best of 10.
        let elements = quick ? 1 << 20 : 16 << 20
        let source = try makeTensor(shape: Shape(elements)), destination = try makeTensor(shape: Shape(elements))
        try fill(source, with: 1)
        var copySeconds = try bestTime(repeats: quick ? 2 : 10) { try copy(source, to: destination) }
        if onCPU {
            copySeconds = min(copySeconds, try bestTime(repeats: quick ? 2 : 10) {
                try launch("copy_peak", file: "probe", defines: ["VW=\(width)", "CHAINS=1"], global: [elements / 4096], local: [1],
                           [.tensor(source), .tensor(destination), .int(elements)])
            })
        }
        return DeviceLimits(fmaGFLOPS: fmaGFLOPS,
                            copyGBps: Double(2 * elements * 4) / copySeconds / 1e9)
    }

}
