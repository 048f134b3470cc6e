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
    /// The rate as a fraction of the device's measured FMA peak or stream bandwidth.
    var fractionOfLimit: Double?
    /// The same work for the PyTorch twin, when it has one.
    var twin: TwinSpec?
    /// PyTorch's time for the row and PyTorch time / our time (> 1: we are faster),
    /// filled by `--compare torch`.
    var torchSeconds: Double?
    var speedupOverTorch: Double?
    /// On CUDA, PyTorch's time with TF32 allowed (`torchSeconds` has it off).
    var torchTF32Seconds: Double?
    /// The twin's floating-point operations when they differ from ours (our kernel
    /// does fewer multiplies: the stem's minimal filtering); each side's rate counts its own.
    var twinFlops: Double?
    /// PyTorch's rate on the row and that rate as a fraction of the same device limit.
    var torchRate: Double?
    var torchFractionOfLimit: Double?
    /// How many timed runs the row is the best of (the twin runs as many).
    var repeats: Int?
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
    /// The OpenCL backend's device profile (kernel family, vector width), when it has one.
    var profile: String?
    var limits: DeviceLimits?
    var rows: [BenchRow] = []
    /// `--rows`: time only rows whose name contains this text (case-insensitive).
    var rowFilter: String?

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

    /// Takes the higher of the recorded and each newly measured limit (nil: not measured
    /// again) and recomputes every row's fractions of its limit, ours and PyTorch's.
    mutating func raiseLimits(fmaGFLOPS: Double? = nil, streamGBps: Double?) {
        guard var raised = limits else { return }
        raised.fmaGFLOPS = max(raised.fmaGFLOPS, fmaGFLOPS ?? 0)
        raised.streamGBps = max(raised.streamGBps, streamGBps ?? 0)
        limits = raised
        for index in rows.indices where rows[index].fractionOfLimit != nil {
            guard let limit = limit(forUnit: rows[index].unit) else { continue }
            rows[index].fractionOfLimit = rows[index].rate / limit
            rows[index].torchFractionOfLimit = rows[index].torchRate.map { $0 / limit }
        }
        let measured = [fmaGFLOPS.map { String(format: "FMA peak %.1f GFLOP/s", $0) },
                        streamGBps.map { String(format: "stream bandwidth %.1f GB/s", $0) }].compactMap { $0 }
        print("device limits measured again: \(measured.joined(separator: ", ")) (the highest probe is each row's limit)")
    }

    /// The device limit a rate in `unit` is a fraction of: the stream bandwidth for GB/s,
    /// the FMA peak otherwise (nil before the device was probed).
    func limit(forUnit unit: String) -> Double? {
        limits.map { unit == "GB/s" ? $0.streamGBps : $0.fmaGFLOPS }
    }

    /// Whether `--rows` asks for the row with this name (no filter: every row).
    func wants(_ name: String) -> Bool {
        rowFilter.map { name.localizedCaseInsensitiveContains($0) } ?? true
    }

    /// A compute row: `flops` floating-point operations in `seconds`, timed only when
    /// `--rows` asks for it.
    mutating func addCompute(_ section: String, _ name: String, shape: String, flops: Double,
                             seconds time: @autoclosure () throws -> Double, twin: TwinSpec? = nil, twinFlops: Double? = nil) throws {
        guard wants(name) else { return }
        let seconds = try time()
        let rate = flops / seconds / 1e9
        add(BenchRow(section: section, name: name, shape: shape, seconds: seconds, rate: rate, unit: "GFLOP/s",
                     fractionOfLimit: limit(forUnit: "GFLOP/s").map { rate / $0 }, twin: twin, twinFlops: twinFlops))
    }

    /// A memory row: `bytes` read plus written in `seconds`, timed only when `--rows`
    /// asks for it.
    mutating func addMemory(_ section: String, _ name: String, shape: String, bytes: Double,
                            seconds time: @autoclosure () throws -> Double, twin: TwinSpec? = nil) throws {
        guard wants(name) else { return }
        let seconds = try time()
        let rate = bytes / seconds / 1e9
        add(BenchRow(section: section, name: name, shape: shape, seconds: seconds, rate: rate, unit: "GB/s",
                     fractionOfLimit: limit(forUnit: "GB/s").map { rate / $0 }, twin: twin))
    }
}
