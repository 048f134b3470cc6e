import Foundation

/// `bench --compare torch`: hands the rows' twin specs to the PyTorch twin
/// (Benchmarks/peers/torch_twin.py), which times the same work on the CPU with the
/// same thread count, and prints PyTorch time / our time per row.
enum TorchComparison {
    /// Benchmarks/peers beside this source file (the bench runs from a checkout).
    static var twinScript: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("peers/torch_twin.py")
    }

    static func run(report: inout BenchReport, quick: Bool) throws {
        print("PyTorch twin")
        // The twin times each row as often as the bench timed ours (best of that many).
        let twins = report.rows.compactMap { row in row.twin.map { (row.name, $0, row.repeats ?? (quick ? 1 : 5)) } }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let configURL = scratch.appendingPathComponent("twin-config.json"), resultURL = scratch.appendingPathComponent("twin-times.json")
        let config: [String: Any] = [
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "repeats": quick ? 1 : KernelSection.repeats,
            "rows": try twins.map { name, spec, repeats in
                ["name": name, "repeats": repeats, "spec": try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec))]
            },
        ]
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: configURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", twinScript.path, configURL.path, resultURL.path]
        try process.run()
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: break
        case 3:
            print("  PyTorch is not installed: `pip install torch` (CPU-only wheels: pip install torch --index-url https://download.pytorch.org/whl/cpu), then run again")
            return
        default:
            throw BenchError("the PyTorch twin failed (exit status \(process.terminationStatus)); its messages are above")
        }
        guard let times = try JSONSerialization.jsonObject(with: Data(contentsOf: resultURL)) as? [String: Any],
              let seconds = times["seconds"] as? [String: Double] else {
            throw BenchError("the PyTorch twin wrote no timings to \(resultURL.path)")
        }
        print("  PyTorch \(times["version"] ?? "?") on \(times["device"] ?? "?"), \(times["threads"] ?? "?") threads")
        // Both rates against the same limit (the probe's FMA peak or copy bandwidth).
        print("  " + "row".padding(toLength: 40, withPad: " ", startingAt: 0)
              + "    ours ms   torch ms   torch/ours   ours rate (limit)   torch rate (limit)")
        for index in report.rows.indices {
            guard report.rows[index].twin != nil, let torch = seconds[report.rows[index].name] else { continue }
            let row = report.rows[index], ours = row.seconds
            let torchRate = row.rate * ours / torch
            report.rows[index].torchSeconds = torch
            report.rows[index].speedupOverTorch = torch / ours
            report.rows[index].torchRate = torchRate
            report.rows[index].torchFractionOfLimit = row.fractionOfLimit.map { $0 * ours / torch }
            func rate(_ value: Double, _ fraction: Double?) -> String {
                String(format: "%8.1f %@", value, fraction.map { String(format: "(%3.0f%%)", 100 * $0) } ?? "      ")
            }
            print("  " + row.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + String(format: " %10.3f %10.3f %10.2fx   ", ours * 1e3, torch * 1e3, torch / ours)
                  + rate(row.rate, row.fractionOfLimit) + " " + row.unit.padding(toLength: 7, withPad: " ", startingAt: 0)
                  + rate(torchRate, report.rows[index].torchFractionOfLimit))
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
