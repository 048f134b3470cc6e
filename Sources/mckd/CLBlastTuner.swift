import Foundation
import MCKDEngine

/// One of CLBlast's tuner programs (Debian `clblast-utils`) and the database kernel
/// its results are for.
struct CLBlastTuner {
    let program: String
    let kernel: String
    /// Whether `--fraction` samples this tuner's first stage (578 configurations for
    /// Xgemm); the other kernels' first stages (34 to 144) are explored fully.
    let sampled: Bool

    /// The kernels CLBlast's single-precision GEMM uses: the indirect kernel, the
    /// direct one (small and odd shapes) and the helpers that pad and transpose.
    static let gemmKernels = [
        CLBlastTuner(program: "clblast_tuner_xgemm", kernel: "Xgemm", sampled: true),
        CLBlastTuner(program: "clblast_tuner_xgemm_direct", kernel: "XgemmDirect", sampled: false),
        CLBlastTuner(program: "clblast_tuner_copy_fast", kernel: "Copy", sampled: false),
        CLBlastTuner(program: "clblast_tuner_copy_pad", kernel: "Pad", sampled: false),
        CLBlastTuner(program: "clblast_tuner_transpose_fast", kernel: "Transpose", sampled: false),
        CLBlastTuner(program: "clblast_tuner_transpose_pad", kernel: "Padtranspose", sampled: false),
    ]

    /// The program's path on PATH, or a clear error saying how to install it.
    func executable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw EngineError.invalidArgument("\(program) not found: install CLBlast's tuners (Debian: apt-get install clblast-utils; scripts/setup does)")
    }

    /// Runs the tuner on `device` in a scratch folder, reporting explored
    /// configurations as it goes, and returns the best result of the stages that
    /// finished or, when `timeLimit` seconds stop it earlier, the best verified
    /// configuration it printed. The GEMM tuners go on to random searches of much
    /// larger spaces after their first stage; only `allStages` lets them.
    func run(on device: OpenCLDevice, fraction: Double, allStages: Bool, timeLimit: TimeInterval,
             progress: (String) -> Void) throws -> CLBlastTunerResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-tune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = ["-platform", "\(device.platformIndex)", "-device", "\(device.deviceIndexInPlatform)",
                             "-precision", "32", "-fraction", "\(sampled ? fraction : 1)", "-runs", "2"]
        process.currentDirectoryURL = scratch
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()

        let deadline = Date().addingTimeInterval(timeLimit)
        var explored = 0, total = 0, stages = 0
        var parameterNames: [String] = [], bestRow: CLBlastTunerResult? = nil
        var pending = Data()
        let reader = output.fileHandleForReading
        readLoop: while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Self.withoutTerminalCodes(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
                // Each stage starts by listing its options.
                if line.hasPrefix("* Options given") {
                    stages += 1
                    if stages > 1 && !allStages {
                        process.terminate()
                        break readLoop
                    }
                }
                if let count = Self.configurationCount(in: line) { total = count; explored = 0 }
                if line.hasPrefix("* Parameters explored:") {
                    parameterNames = line.dropFirst("* Parameters explored:".count).split(separator: " ").map(String.init)
                }
                if let row = CLBlastTunerResult(tableRow: line, parameterNames: parameterNames),
                   row.bestMilliseconds < bestRow?.bestMilliseconds ?? .infinity {
                    bestRow = row
                }
                if Self.isResultRow(line) {
                    explored += 1
                    progress("\(kernel): \(explored)/\(total) configurations")
                }
            }
            if Date() > deadline {
                progress("\(kernel): time limit reached, keeping the best configuration so far")
                process.terminate()
                break
            }
        }
        process.waitUntilExit()

        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".json") }
        let results = try files.map { file in
            try CLBlastTunerResult(json: Data(contentsOf: scratch.appendingPathComponent(file)), source: "\(program)/\(file)")
        }
        // The files of finished stages, and the best verified row of the table (which
        // covers a stage cut short by the time limit).
        guard let best = (results + [bestRow].compactMap { $0 }).min(by: { $0.bestMilliseconds < $1.bestMilliseconds }) else {
            throw EngineError.invalidArgument("\(program) verified no configuration (exit status \(process.terminationStatus)); allow more time (--minutes)")
        }
        return best
    }

    /// "* Exploring a random subset of 58 configuration(s)" or "* Found 578 configuration(s)".
    private static func configurationCount(in line: String) -> Int? {
        guard line.hasPrefix("* Found") || line.hasPrefix("* Exploring"), line.contains("configuration") else { return nil }
        let digits = line.split(whereSeparator: { !$0.isNumber }).last
        return digits.flatMap { Int($0) }
    }

    /// The tuners colour their output: drop "ESC [ ... m" sequences.
    private static func withoutTerminalCodes(_ line: String) -> String {
        line.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
    }

    /// A table row for one explored configuration: "|   12 |   578 | ...".
    private static func isResultRow(_ line: String) -> Bool {
        let cells = line.split(separator: "|", omittingEmptySubsequences: true)
        return line.hasPrefix("|") && cells.first.map { Int($0.trimmingCharacters(in: .whitespaces)) != nil } == true
    }
}
