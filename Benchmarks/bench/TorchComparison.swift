import Foundation
import MCKDEngine

/// `bench --compare torch`: hands the rows' twin specs to the PyTorch twin
/// (Benchmarks/peers/torch_twin.py), which times the same work on the CPU with the
/// same thread count, or on CUDA with TF32 off and on, and prints PyTorch time / our
/// time per row (against TF32 off on CUDA: the same fp32 arithmetic as ours).
enum TorchComparison {
    enum PeerDevice: String {
        case cpu, cuda

        /// `option` if given, else cuda when the bench runs on a GPU, else cpu.
        init(option: String?, backend: any Backend) throws {
            if let option {
                guard let device = PeerDevice(rawValue: option.lowercased()) else {
                    throw BenchError("--torch-device \(option): use cpu or cuda")
                }
                self = device
            } else {
                self = (backend as? OpenCLBackend)?.device.kind == .gpu ? .cuda : .cpu
            }
        }
    }

    static let twinName = "torch_twin.py"

    /// The twin script: `option`, else torch_twin.py beside the bench executable (an
    /// unpacked gpu-check archive), else Benchmarks/peers/ in a folder above the
    /// executable or the working directory (a checkout, wherever it was copied).
    static func locateTwin(option: String?) throws -> URL {
        let files = FileManager.default
        if let option {
            guard files.fileExists(atPath: option) else { throw BenchError("--twin \(option): no such file") }
            return URL(fileURLWithPath: option)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = executable.appendingPathComponent(twinName)
        if files.fileExists(atPath: beside.path) { return beside }
        for start in [executable, URL(fileURLWithPath: files.currentDirectoryPath)] {
            var folder = start
            while true {
                let candidate = folder.appendingPathComponent("Benchmarks/peers/\(twinName)")
                if files.fileExists(atPath: candidate.path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw BenchError("the PyTorch twin \(twinName) was not found beside \(executable.path) nor in a Benchmarks/peers folder above it or the working directory: pass --twin PATH")
    }

    /// Runs the twin and prints each row beside ours. `bandwidthProbe`, run as soon as
    /// the twin exits, probes the device's bandwidth again: the twin's memory rows run
    /// last, so it measures the same minute as they do (a shared host's bandwidth moves
    /// with its other tenants, docs/performance.md).
    static func run(report: inout BenchReport, quick: Bool, script: URL, on device: PeerDevice,
                    bandwidthProbe: (() throws -> Double)?) throws {
        print("PyTorch twin on \(device)")
        // The twin times each row as often as the bench timed ours (best of that many),
        // its memory rows last: the bench probes the bandwidth again right after them.
        let ordered = report.rows.filter { $0.unit != "GB/s" } + report.rows.filter { $0.unit == "GB/s" }
        let twins = ordered.compactMap { row in row.twin.map { (row.name, $0, row.repeats ?? (quick ? 1 : KernelSection.repeats)) } }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configURL = scratch.appendingPathComponent("twin-config.json"), resultURL = scratch.appendingPathComponent("twin-times.json")
        let config: [String: Any] = [
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "repeats": quick ? 1 : KernelSection.repeats,
            "device": device.rawValue,
            "rows": try twins.map { name, spec, repeats in
                ["name": name, "repeats": repeats, "spec": try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec))]
            },
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: configURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, configURL.path, resultURL.path]
        try process.run()
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: break
        case 3:
            print("  PyTorch is not installed: `pip install torch` (CPU-only wheels: pip install torch --index-url https://download.pytorch.org/whl/cpu), then run again")
            return
        case 4:
            throw BenchError("--torch-device cuda: PyTorch sees no CUDA device here (its message is above)")
        default:
            throw BenchError("the PyTorch twin failed (exit status \(process.terminationStatus)); its messages are above")
        }
        guard let times = try JSONSerialization.jsonObject(with: Data(contentsOf: resultURL)) as? [String: Any],
              let seconds = times[device == .cpu ? "seconds" : "cuda_seconds"] as? [String: Double] else {
            throw BenchError("the PyTorch twin wrote no \(device) timings to \(resultURL.path)")
        }
        if let bandwidthProbe { report.raiseLimits(streamGBps: try bandwidthProbe()) }
        let tf32 = times["cuda_tf32_seconds"] as? [String: Double]
        print("  PyTorch \(times["version"] ?? "?") on \(times["device"] ?? "?")"
              + (device == .cpu ? ", \(times["threads"] ?? "?") threads" : ""))
        // Both rates against the same limit (the probe's FMA peak or copy bandwidth).
        print("  " + "row".padding(toLength: 40, withPad: " ", startingAt: 0)
              + "    ours ms   torch ms   torch/ours   ours rate (limit)   torch rate (limit)"
              + (tf32 == nil ? "" : "   tf32 ms  tf32/ours"))
        for index in report.rows.indices {
            guard report.rows[index].twin != nil, let torch = seconds[report.rows[index].name] else { continue }
            let row = report.rows[index], ours = row.seconds
            let torchRate = row.twinFlops.map { $0 / torch / 1e9 } ?? row.rate * ours / torch
            report.rows[index].torchSeconds = torch
            report.rows[index].speedupOverTorch = torch / ours
            report.rows[index].torchRate = torchRate
            if row.fractionOfLimit != nil { report.rows[index].torchFractionOfLimit = report.limit(forUnit: row.unit).map { torchRate / $0 } }
            func rate(_ value: Double, _ fraction: Double?) -> String {
                String(format: "%8.1f %@", value, fraction.map { String(format: "(%3.0f%%)", 100 * $0) } ?? "      ")
            }
            var line = row.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: " %10.3f %10.3f %10.2fx   ", ours * 1e3, torch * 1e3, torch / ours)
                + rate(row.rate, row.fractionOfLimit) + " " + row.unit.padding(toLength: 7, withPad: " ", startingAt: 0)
                + rate(torchRate, report.rows[index].torchFractionOfLimit)
            if let withTF32 = tf32?[row.name] {
                report.rows[index].torchTF32Seconds = withTF32
                line += String(format: " %9.3f %9.2fx", withTF32 * 1e3, withTF32 / ours)
            }
            print("  " + line)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
