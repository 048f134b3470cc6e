import ArgumentParser
import Foundation
import MCKDEngine

/// `mckd tune`: runs CLBlast's tuners for a device once, stores the best parameters
/// in the cache folder (every later OpenCL backend on that device applies them) and
/// reports SGEMM throughput before and after.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune CLBlast's GEMM kernels for an OpenCL device and keep the result.",
        discussion: """
            Needs CLBlast's tuners (Debian: clblast-utils). The parameters are written to \
            $MCKD_CACHE/clblast/ (default ~/.cache/mckd/clblast/) and used from then on; \
            MCKD_CLBLAST_TUNING=off ignores them. Run it on a quiet machine: the tuners time kernels.
            """)

    @Option(help: "Device: gpuN (see `mckd devices`).")
    var device = "gpu0"
    @Option(help: "Explore 1/FRACTION of the main GEMM kernel's 578 configurations (10: 58); the other kernels' are explored fully.")
    var fraction = 10.0
    @Flag(help: "Also run the GEMM tuners' later, random-search stages (much longer).")
    var allStages = false
    @Option(help: "Time limit per tuner, in minutes.")
    var minutes = 10.0
    @Flag(help: .hidden)
    var measureOnly = false

    func run() throws {
        try reportingErrors {
            let target = try openCLDevice()
            if measureOnly {
                print(try GEMMProbe.measureJSON(on: target))
                return
            }
            print("tuning CLBlast for \(target.handle) \(target.name): Xgemm 1/\(fraction) of its configurations, the other kernels all of theirs")
            var kernels: [String: [String: Int]] = [:], milliseconds: [String: Double] = [:]
            for tuner in CLBlastTuner.gemmKernels {
                let progress = ProgressLine()
                let result = try tuner.run(on: target, fraction: fraction, allStages: allStages, timeLimit: minutes * 60,
                                           progress: progress.show)
                progress.finish("\(tuner.kernel): best \(String(format: "%.3f", result.bestMilliseconds)) ms")
                kernels[tuner.kernel] = result.parameters
                milliseconds[tuner.kernel] = result.bestMilliseconds
            }
            let before = try GEMMProbe.measureInChild(tuned: false)
            let url = try CLBlastTuning(deviceName: target.name, driverVersion: target.driverVersion,
                                        kernels: kernels, bestMilliseconds: milliseconds).write(for: target)
            let after = try GEMMProbe.measureInChild(tuned: true)
            print("written: \(url.path)")
            print(GEMMProbe.comparison(before: before, after: after))
        }
    }

    private func openCLDevice() throws -> OpenCLDevice {
        guard device.hasPrefix("gpu"), let index = Int(device.dropFirst(3)) else {
            throw ValidationError("--device \(device): tuning is for OpenCL devices (gpuN)")
        }
        let devices = try OpenCLDevice.all()
        guard devices.indices.contains(index) else {
            throw ValidationError("--device \(device): there are \(devices.count) OpenCL devices (see `mckd devices`)")
        }
        return devices[index]
    }
}

/// SGEMM throughput at a few shapes, measured in a child process so that CLBlast
/// compiles its kernels with (or without) the stored parameters: its program cache
/// would otherwise keep the first build for the whole process.
enum GEMMProbe {
    static let shapes: [(label: String, descriptor: GEMMDescriptor)] = [
        ("1024x1024x1024", GEMMDescriptor(m: 1024, n: 1024, k: 1024)),
        ("1x1 conv 1024->256 @10^3", GEMMDescriptor(m: 256, n: 1000, k: 1024)),
        ("linear 256->64, batch 64", GEMMDescriptor(m: 64, n: 64, k: 256)),
    ]

    /// GFLOP/s per shape label, as one JSON line.
    static func measureJSON(on device: OpenCLDevice) throws -> String {
        let backend = try OpenCLBackend(device: device)
        var figures: [String: Double] = [:]
        for (label, g) in shapes {
            let a = try backend.makeTensor(shape: [g.m, g.k]), b = try backend.makeTensor(shape: [g.k, g.n])
            let c = try backend.makeTensor(shape: [g.m, g.n])
            try backend.fillRandom(a, .uniform(low: -1, high: 1), seed: 1, stream: 0)
            try backend.fillRandom(b, .uniform(low: -1, high: 1), seed: 1, stream: 1)
            figures[label] = g.flops / 1e9 / (try backend.bestTime(repeats: 5) { try backend.gemm(g, a: a, b: b, c: c) })
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Runs `mckd tune --measure-only` on the same device, with or without the stored tuning.
    static func measureInChild(tuned: Bool) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        let passed = CommandLine.arguments.dropFirst().filter { $0 != "--all-stages" }
        process.arguments = Array(passed) + ["--measure-only"]
        var environment = ProcessInfo.processInfo.environment
        environment["MCKD_CLBLAST_TUNING"] = tuned ? nil : "off"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let figures = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double] else {
            throw EngineError.invalidArgument("measuring SGEMM \(tuned ? "with" : "without") the tuning failed (exit status \(process.terminationStatus))")
        }
        return figures
    }

    static func comparison(before: [String: Double], after: [String: Double]) -> String {
        var lines = ["SGEMM GFLOP/s          built-in     tuned    ratio"]
        for (label, _) in shapes {
            let old = before[label] ?? .nan, new = after[label] ?? .nan
            lines.append(label.padding(toLength: 26, withPad: " ", startingAt: 0)
                         + String(format: "%8.1f  %8.1f  %6.2fx", old, new, new / old))
        }
        return lines.joined(separator: "\n")
    }
}
