import MCKDEngine

/// The device's own limits: FMA throughput and stream bandwidth, the yardsticks of
/// every later row.
enum DeviceSection {
    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        print("device")
        guard let device = backend as? OpenCLBackend else {
            print("  (the CPU reference has no probe kernels; rows show no fraction of a limit)")
            return
        }
        // The kernels' specialisation: PoCL names its variant in the device name
        // (pthread-skylake-avx512, pthread-haswell), the profile gives the vector width.
        print("  \(device.device.name): \(device.profile)")
        report.profile = "\(device.profile)"
        let limits = try device.measureLimits(quick: quick)
        report.limits = limits
        print(String(format: "  FMA peak %.1f GFLOP/s, stream bandwidth %.1f GB/s", limits.fmaGFLOPS, limits.streamGBps))
    }
}
