import Foundation
import MCKDEngine

/// One measured row: what ran, how long it took and the rate it reached.
struct BenchRow: Codable {
    var section: String
    var name: String
    var shape: String
    var seconds: Double
    /// GFLOP/s for compute rows, GB/s for memory rows.
    var rate: Double
    var unit: String
    /// The rate as a fraction of the device's measured FMA peak or copy bandwidth.
    var fractionOfLimit: Double?
    /// The same work for the PyTorch twin, when it has one.
    var twin: TwinSpec?
    /// PyTorch's time for the row and PyTorch time / our time (> 1: we are faster),
    /// filled by `--compare torch`.
    var torchSeconds: Double?
    var speedupOverTorch: Double?
    /// On CUDA, PyTorch's time with TF32 allowed (`torchSeconds` has it off).
    var torchTF32Seconds: Double?
    /// Counts for training-step rows: per step.
    var kernelLaunches: Int?
    var bytesMoved: Int?
    var peakDeviceBytes: Int?
    /// Memory-plan rows: the buffer pool's high-water mark (live tensors plus spare
    /// buffers) and the buffers a steady step had to allocate afresh.
    var reservedDeviceBytes: Int?
    var buffersRemadePerStep: Int?
}

/// Everything one bench run measured (the --json output).
struct BenchReport: Codable {
    var device: String
    var quick: Bool
    var limits: DeviceLimits?
    var rows: [BenchRow] = []

    init(device: String, quick: Bool) {
        self.device = device
        self.quick = quick
    }

    /// Records a row and prints it as a table line.
    mutating func add(_ row: BenchRow) {
        rows.append(row)
        let fraction = row.fractionOfLimit.map { String(format: "%5.1f%%", 100 * $0) } ?? "     -"
        func padded(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print("  \(padded(row.name, 34)) \(padded(row.shape, 28))"
              + String(format: " %10.3f ms %9.1f ", row.seconds * 1e3, row.rate) + padded(row.unit, 7) + " " + fraction)
    }

    /// A compute row: `flops` floating-point operations in `seconds`.
    mutating func addCompute(_ section: String, _ name: String, shape: String, flops: Double, seconds: Double, twin: TwinSpec? = nil) {
        let rate = flops / seconds / 1e9
        add(BenchRow(section: section, name: name, shape: shape, seconds: seconds, rate: rate, unit: "GFLOP/s",
                     fractionOfLimit: limits.map { rate / $0.fmaGFLOPS }, twin: twin))
    }

    /// A memory row: `bytes` read plus written in `seconds`.
    mutating func addMemory(_ section: String, _ name: String, shape: String, bytes: Double, seconds: Double, twin: TwinSpec? = nil) {
        let rate = bytes / seconds / 1e9
        add(BenchRow(section: section, name: name, shape: shape, seconds: seconds, rate: rate, unit: "GB/s",
                     fractionOfLimit: limits.map { rate / $0.copyGBps }, twin: twin))
    }
}
