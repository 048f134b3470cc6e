

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
    public func measureLimits(quick: Bool = false) throws -> DeviceLimits {
        // Explicit-vector kernels want tiny work-groups on CPU devices (engine.md).
        let onCPU = deviceClass == .cpu
        let local = onCPU ? 1 : 64
        let workItems = max(1, device.computeUnits) * (onCPU ? 16 : 2048)
        let iterations = quick ? 256 : 4096
        let sink = try makeTensor(shape: Shape(workItems))
        // Two register budgets (float16 x 8 chains, float8 x 12 chains); the faster one counts.
        var fmaGFLOPS = 0.0
        for (kernel, flopsPerIteration) in [("fma_peak", 8 * 16 * 2), ("fma_peak8", 12 * 8 * 2)] {
            let seconds = try bestTime(repeats: quick ? 2 : 5) {
                try launch(kernel, file: "probe", global: [workItems], local: [local],
                           [.tensor(sink), .int(iterations), .float(0.999), .float(0.001)])
            }
            fmaGFLOPS = max(fmaGFLOPS, Double(workItems * iterations * flopsPerIteration) / seconds / 1e9)
        }

        let elements = quick ? 1 << 20 : 16 << 20
        let source = try makeTensor(shape: Shape(elements)), destination = try makeTensor(shape: Shape(elements))
        try fill(source, with: 1)
        let copySeconds = try bestTime(repeats: quick ? 2 : 5) { try copy(source, to: destination) }
        return DeviceLimits(fmaGFLOPS: fmaGFLOPS,
                            copyGBps: Double(2 * elements * 4) / copySeconds / 1e9)
    }

}
