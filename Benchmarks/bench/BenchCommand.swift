import ArgumentParser
import Foundation
import MCKDEngine

/// `swift run -c release bench`: device limits, kernels and training steps, as a
/// terminal table and as JSON, optionally beside the PyTorch twin's times.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure mckd's kernels and training steps on a device, against its own limits and PyTorch.")

    @Option(help: "Device: cpu or gpuN (see `mckd devices`).")
    var device = "gpu0"

    @Option(help: "Also write the figures as JSON to this file.")
    var json: String?

    @Flag(help: "Tiny sizes and few repeats: checks every section runs (CI), figures are not meaningful.")
    var quick = false

    @Option(help: "Run only these sections, comma-separated: device, kernels, steps, memory, distributed (under mpirun -np N: the gradient average across N ranks).")
    var only: String?

    @Option(help: "Kernel rows: time only those whose name contains this text, e.g. \"convT\" or \"bwd-data 1^3\" (case-insensitive).")
    var rows: String?

    @Option(help: "Time the same rows with a peer: torch (Benchmarks/peers/torch_twin.py, needs `pip install torch`).")
    var compare: String?

    @Option(help: "Where the PyTorch twin runs: cpu or cuda (cuda: TF32 off and on, reported apart). Default: cuda when --device is a GPU, else cpu.")
    var torchDevice: String?

    @Option(help: "The PyTorch twin script (default: torch_twin.py beside this program, or Benchmarks/peers/ above it or the working directory).")
    var twin: String?

    func run() throws {
        let backend: any Backend
        do {
            backend = try makeBackend(device: device)
        } catch {
            throw ValidationError("\(error)")
        }
        print("bench on \(backend.name)\(quick ? " (quick: sizes too small to mean anything)" : "")")
        var report = BenchReport(device: backend.name, quick: quick)
        report.rowFilter = rows
        let sections: [(String, (any Backend, Bool, inout BenchReport) throws -> Void)] = [
            ("device", DeviceSection.run),
            ("kernels", KernelSection.run),
            ("steps", StepSection.run),
            ("memory", MemoryPlanSection.run),
            ("distributed", DistributedSection.run),
        ]
        if let compare, compare != "torch" {
            throw ValidationError("--compare \(compare): the only peer is torch")
        }
        let chosen = only.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        for name in chosen ?? [] where !sections.contains(where: { $0.0 == name }) {
            throw ValidationError("unknown section '\(name)': choose from \(sections.map(\.0).joined(separator: ", "))")
        }
        let peerDevice = try TorchComparison.PeerDevice(option: torchDevice, backend: backend)
        let twinScript = compare == nil ? nil : try TorchComparison.locateTwin(option: twin)
        for (name, section) in sections where chosen == nil || chosen!.contains(name) {
            try section(backend, quick, &report)
        }
        // The limits again after the rows: on a machine shared with other work the first
        // probe may have run in a slow moment, and no row may exceed its limit.
        let probed = report.limits != nil && chosen != ["device"] ? backend as? OpenCLBackend : nil
        if let probed {
            let limits = try probed.measureLimits(quick: quick)
            report.raiseLimits(fmaGFLOPS: limits.fmaGFLOPS, streamGBps: limits.streamGBps)
        }
        if let twinScript {
            try TorchComparison.run(report: &report, quick: quick, script: twinScript, on: peerDevice,
                                    bandwidthProbe: probed.map { device in { try device.measureStreamBandwidth(quick: quick) } })
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
            print("figures written to \(json)")
        }
    }
}
