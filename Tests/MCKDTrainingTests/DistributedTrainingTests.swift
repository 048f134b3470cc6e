import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// `mpirun -np 2 mckd train` as a user runs it (2 ranks on loopback, Open MPI from
/// scripts/setup), against one process with --accumulate 2: checkpoint tensors, their
/// metadata and metrics.jsonl (but the timing field) must be equal bit for bit.
final class DistributedTrainingTests: XCTestCase {
    /// A tiny BraTS run on the cached procedural phantom: no test cases, so no evaluation.
    static let tinyRun = ["train", "--data", "synthetic", "--channels", "2,4", "--crop", "16,16,16", "--batch", "4", "--test-size", "0", "--seed", "3"]

    struct Result {
        let status: Int32
        let output: String
    }

    var mckdPath: String { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mckd").path }

    /// Root in a container, shared memory without single-copy, 2 ranks on 2 cores.
    static let mpiEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMPI_MCA_btl": "self,vader",
                                 "OMPI_MCA_btl_vader_single_copy_mechanism": "none"]

    func mpirun() throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: directory + "/mpirun") {
            return directory + "/mpirun"
        }
        throw XCTSkip("no mpirun: scripts/setup installs openmpi-bin")
    }

    /// Runs `executable arguments`; with `started`, hands over the process once it runs.
    func launch(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                started: ((Process) -> Void)? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: mckdPath) else {
            XCTFail("no mckd executable at \(mckdPath): build all products first (swift build --build-tests)")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-mpi-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        started?(process)
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return Result(status: process.terminationStatus, output: output)
    }

    func mckd(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try launch(mckdPath, arguments, environment: environment)
    }

    func twoRanks(_ arguments: [String], started: ((Process) -> Void)? = nil) throws -> Result {
        let result = try launch(try mpirun(), ["-np", "2", "--oversubscribe", "--bind-to", "none", mckdPath] + arguments,
                                environment: Self.mpiEnvironment, started: started)
        return Result(status: result.status, output: Self.withoutLauncherNotices(result.output))
    }

    /// The output without Open MPI's own notices (blocks framed by lines of dashes). mpirun
    /// writes them itself while it relays the ranks' output in pieces, so one can land in
    /// the middle of a rank's line ("--batch 6 m", a notice, "ust be divisible", in one CI
    /// run); without them the ranks' lines read whole.
    static func withoutLauncherNotices(_ output: String) -> String {
        output.replacingOccurrences(of: #"-{20,}\n[\s\S]*?-{20,}\n"#, with: "", options: .regularExpression)
    }

    func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-distributed-\(UUID().uuidString)/\(name)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return url
    }

    /// The two run folders hold the same checkpoint (step, metadata but for the run's ID,
    /// every tensor's bits) and the same metrics.jsonl records but for `seconds` and the ID.
    func assertSameRun(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try Checkpoint.read(from: a.appendingPathComponent("checkpoint"))
        let second = try Checkpoint.read(from: b.appendingPathComponent("checkpoint"))
        XCTAssertEqual(first.step, second.step, file: file, line: line)
        XCTAssertNotNil(first.metadata[RunID.key], file: file, line: line)
        XCTAssertEqual(first.metadata.filter { $0.key != RunID.key }, second.metadata.filter { $0.key != RunID.key }, file: file, line: line)
        XCTAssertEqual(first.tensors.map(\.name), second.tensors.map(\.name), file: file, line: line)
        for (x, y) in zip(first.tensors, second.tensors) {
            XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern), "tensor \(x.name)", file: file, line: line)
        }
        XCTAssertEqual(try metrics(a), try metrics(b), file: file, line: line)
    }

    func metrics(_ run: URL) throws -> [String] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            record["seconds"] = nil
            record[RunID.key] = nil   // each folder's run has its own
            return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    func checkTwoRanksEqualOneProcess(device: String, meta: [String]) throws {
        let arguments = Self.tinyRun + ["--steps", "3", "--checkpoint-every", "2", "--device", device] + meta
        let one = try folder("one"), two = try folder("two")
        let single = try mckd(arguments + ["--accumulate", "2", "--out", one.path])
        XCTAssertEqual(single.status, 0, single.output)
        let ranks = try twoRanks(arguments + ["--out", two.path])
        XCTAssertEqual(ranks.status, 0, ranks.output)
        try assertSameRun(one, two)
        XCTAssertEqual(try metrics(two).count, 3)
        // Rank 0 alone prints: one progress line's worth of "model on", not two.
        XCTAssertEqual(ranks.output.components(separatedBy: "total: ").count - 1, 1, ranks.output)
    }

    /// Three ranks (an odd count: the tree carries the last rank up a level), and two ranks
    /// of two micro-batches each, against one process with --accumulate 3 and 4.
    func testThreeRanksAndTwoMicroBatchesPerRankEqualOneProcess() throws {
        let base = ["train", "--data", "synthetic", "--channels", "2,4", "--crop", "16,16,16", "--test-size", "0", "--seed", "3",
                    "--steps", "2", "--device", "cpu", "--meta", "bilevel"]
        for (ranks, batch, accumulate) in [(3, 6, 1), (2, 8, 2)] {
            let one = try folder("one-\(ranks)x\(accumulate)"), many = try folder("many-\(ranks)x\(accumulate)")
            let single = try mckd(base + ["--batch", "\(batch)", "--accumulate", "\(ranks * accumulate)", "--out", one.path])
            XCTAssertEqual(single.status, 0, single.output)
            let launched = try launch(try mpirun(), ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", mckdPath]
                                      + base + ["--batch", "\(batch)", "--accumulate", "\(accumulate)", "--out", many.path],
                                      environment: Self.mpiEnvironment)
            XCTAssertEqual(launched.status, 0, launched.output)
            try assertSameRun(one, many)
        }
    }

    func testTwoRanksEqualOneProcessWithoutMetaStepsOnCPU() throws {
        try checkTwoRanksEqualOneProcess(device: "cpu", meta: ["--meta", "off"])
    }

    func testTwoRanksEqualOneProcessGatedOnCPU() throws {
        try checkTwoRanksEqualOneProcess(device: "cpu", meta: ["--meta", "gated", "--meta-every", "2", "--meta-batches", "2"])
    }

    func testTwoRanksEqualOneProcessBilevelOnCPU() throws {
        try checkTwoRanksEqualOneProcess(device: "cpu", meta: ["--meta", "bilevel", "--per-sample-modalities"])
    }

    func testTwoRanksEqualOneProcessOnTheOpenCLDevice() throws {
        guard try !OpenCLDevice.all().isEmpty else { throw XCTSkip("no OpenCL device") }
        for meta in [["--meta", "off"], ["--meta", "gated", "--meta-every", "2", "--meta-batches", "2"], ["--meta", "bilevel"]] {
            try checkTwoRanksEqualOneProcess(device: "gpu0", meta: meta)
        }
    }

    /// Under mpirun the ranks evaluate the test cases in turns (3 cases: rank 0 two, rank
    /// 1 one), in training and in `mckd eval`; the merged table is byte for byte the
    /// one-process one.
    func testShardedEvaluationEqualsOneProcess() throws {
        guard try !OpenCLDevice.all().isEmpty else { throw XCTSkip("no OpenCL device (the CPU reference takes minutes to evaluate)") }
        let arguments = ["train", "--data", "synthetic", "--channels", "2,4", "--crop", "16,16,16", "--batch", "4", "--seed", "3",
                         "--steps", "2", "--meta", "off", "--device", "gpu0", "--test-size", "3"]
        let one = try folder("one"), two = try folder("two")
        XCTAssertEqual(try mckd(arguments + ["--accumulate", "2", "--out", one.path]).status, 0)
        let ranks = try twoRanks(arguments + ["--out", two.path])
        XCTAssertEqual(ranks.status, 0, ranks.output)
        for name in ["evaluation.json", "evaluation.csv"] {
            let single = try Data(contentsOf: one.appendingPathComponent(name))
            XCTAssertEqual(single, try Data(contentsOf: two.appendingPathComponent(name)), name)
            XCTAssertFalse(single.isEmpty)
        }
        // `mckd eval` under mpirun rewrites the one-process run's table with the same bytes.
        let trained = try Data(contentsOf: one.appendingPathComponent("evaluation.json"))
        try FileManager.default.removeItem(at: one.appendingPathComponent("evaluation.json"))
        let evaluation = try twoRanks(["eval", "--run", one.path, "--device", "gpu0"])
        XCTAssertEqual(evaluation.status, 0, evaluation.output)
        XCTAssertTrue(evaluation.output.contains("shared by 2 processes"), evaluation.output)
        XCTAssertEqual(try Data(contentsOf: one.appendingPathComponent("evaluation.json")), trained)
    }

    /// 2 ranks stop after step 2, one process resumes (and the reverse): both equal an
    /// uninterrupted run.
    func testResumingWithAnotherProcessCountContinuesBitwise() throws {
        let arguments = Self.tinyRun + ["--steps", "4", "--checkpoint-every", "10", "--device", "cpu", "--meta", "bilevel"]
        let whole = try folder("whole"), twoThenOne = try folder("two-then-one"), oneThenTwo = try folder("one-then-two")
        XCTAssertEqual(try mckd(arguments + ["--accumulate", "2", "--out", whole.path]).status, 0)

        let stopped = try twoRanks(arguments + ["--stop-after", "2", "--out", twoThenOne.path])
        XCTAssertEqual(stopped.status, 0, stopped.output)
        XCTAssertEqual(try Checkpoint.read(from: twoThenOne.appendingPathComponent("checkpoint")).step, 2)
        let resumed = try mckd(arguments + ["--accumulate", "2", "--resume", "--out", twoThenOne.path])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        try assertSameRun(whole, twoThenOne)

        XCTAssertEqual(try mckd(arguments + ["--accumulate", "2", "--stop-after", "2", "--out", oneThenTwo.path]).status, 0)
        let continued = try twoRanks(arguments + ["--resume", "--out", oneThenTwo.path])
        XCTAssertEqual(continued.status, 0, continued.output)
        try assertSameRun(whole, oneThenTwo)
    }

    /// --accumulate changes the run (it is in its configuration): resuming with another
    /// split is refused, not silently different.
    func testResumingWithAnotherSplitIsRefused() throws {
        let arguments = Self.tinyRun + ["--steps", "4", "--device", "cpu", "--meta", "off"]
        let run = try folder("run")
        XCTAssertEqual(try mckd(arguments + ["--accumulate", "2", "--stop-after", "1", "--out", run.path]).status, 0)
        let resumed = try mckd(arguments + ["--resume", "--out", run.path])
        XCTAssertEqual(resumed.status, 1, resumed.output)
        XCTAssertTrue(resumed.output.contains("another configuration"), resumed.output)
    }

    /// The interleaving one CI run recorded: a notice inside the rank's error line.
    func testLauncherNoticesInsideARankLineAreRemoved() {
        let dashes = String(repeating: "-", count: 74)
        let recorded = "Error: --batch 6 m\(dashes)\nPrimary job  terminated normally, but 1 process returned\n\(dashes)\n"
            + "ust be divisible by 4\nUsage: mckd train <options>\n\(dashes)\nmpirun detected that one or more processes exited\n"
            + "\(dashes)\n"
        XCTAssertEqual(Self.withoutLauncherNotices(recorded), "Error: --batch 6 must be divisible by 4\nUsage: mckd train <options>\n")
    }

    func testIndivisibleBatchIsAClearError() throws {
        let result = try mckd(Self.tinyRun + ["--steps", "1", "--accumulate", "3", "--out", try folder("run").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--batch 4 must be divisible by the processes (1) x --accumulate (3) = 3"), result.output)
        let ranks = try twoRanks(Self.tinyRun + ["--steps", "1", "--batch", "6", "--accumulate", "2", "--out", try folder("ranks").path])
        XCTAssertNotEqual(ranks.status, 0)
        XCTAssertTrue(ranks.output.contains("--batch 6 must be divisible by the processes (2) x --accumulate (2) = 4"), ranks.output)
        XCTAssertEqual(ranks.output.components(separatedBy: "must be divisible").count, 2, "rank 0 alone says it: \(ranks.output)")
    }

    /// Under a launcher without a loadable Open MPI: a clear error, not N independent runs.
    func testLaunchWithoutALoadableMPIIsAClearError() throws {
        let run = try folder("run")
        let result = try mckd(Self.tinyRun + ["--steps", "1", "--device", "cpu", "--out", run.path],
                              environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0", "MCKD_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("MPI is unavailable") && result.output.contains("/nonexistent/libmpi.so.40")
                      && result.output.contains("refusing to run 2 independent trainings"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("metrics.jsonl").path))
    }

    func testAVMNISTRefusesSeveralProcessesClearly() throws {
        let result = try mckd(["train", "--task", "avmnist", "--steps", "1", "--accumulate", "2", "--out", try folder("run").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--task avmnist trains in one process without --accumulate"), result.output)
    }

    /// A rank killed mid-run: mpirun ends non-zero well within a minute, and the last
    /// checkpoint (rank 0's) is intact.
    func testAKilledRankEndsTheJobAndLeavesAValidCheckpoint() throws {
        let run = try folder("run")
        let checkpoint = run.appendingPathComponent("checkpoint")
        var killedAt: Date?
        let result = try twoRanks(Self.tinyRun + ["--steps", "3000", "--checkpoint-every", "1", "--device", "cpu", "--meta", "off", "--out", run.path]) { mpirun in
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
            guard let rank = Self.child(of: mpirun.processIdentifier, rank: 1) else { mpirun.terminate(); return XCTFail("rank 1 not found") }
            kill(rank, SIGKILL)
            killedAt = Date()
        }
        XCTAssertNotEqual(result.status, 0, result.output)
        let elapsed = try XCTUnwrap(killedAt.map { Date().timeIntervalSince($0) })
        XCTAssertLessThan(elapsed, 60, "mpirun took \(elapsed) s to end after a rank died")
        let saved = try Checkpoint.read(from: checkpoint)
        XCTAssertGreaterThan(saved.step, 0)
    }

    /// A rank that stops answering: the others abort after --collective-timeout, naming
    /// the collective and the step.
    func testAHangingRankAbortsTheJobNamingTheCollective() throws {
        let run = try folder("run")
        let checkpoint = run.appendingPathComponent("checkpoint")
        let result = try twoRanks(Self.tinyRun + ["--steps", "3000", "--checkpoint-every", "1", "--device", "cpu", "--meta", "off",
                                                  "--collective-timeout", "3", "--out", run.path]) { mpirun in
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
            guard let rank = Self.child(of: mpirun.processIdentifier, rank: 1) else { mpirun.terminate(); return XCTFail("rank 1 not found") }
            kill(rank, SIGSTOP)
            // Should the watchdog not fire, end the job here rather than hang the suite.
            DispatchQueue.global().asyncAfter(deadline: .now() + 90) { if mpirun.isRunning { kill(rank, SIGKILL); mpirun.terminate() } }
        }
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("rank 0): collective") && result.output.contains("at step")
                      && result.output.contains("waited longer than --collective-timeout 3 s"), result.output)
    }

    /// The process mpirun started as rank `rank` (its environment says so).
    static func child(of parent: Int32, rank: Int) -> Int32? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry),
                      let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 2,
                      Int32(fields[1]) == parent,   // after "pid (name)": state, then the parent's pid
                      let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
                if environment.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) {
                    return pid
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }
}
