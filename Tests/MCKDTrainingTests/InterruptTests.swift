import Foundation
import MCKDTraining
import XCTest

/// Ctrl-C during `mckd train`, as a user presses it: the run process is real.
final class InterruptTests: XCTestCase {
    /// SIGINT (and SIGTERM alike) mid-run: the step under way finishes, its checkpoint is
    /// written and the exit status is 128 + 2.
    func testInterruptSavesTheCurrentStepAndExitsNonZero() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-interrupt-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mckd")
        let process = Process()
        process.executableURL = executable
        // The cached procedural phantom, as DistributedTrainingTests use it.
        process.arguments = ["train", "--data", "synthetic", "--device", "cpu", "--channels", "2,4", "--crop", "16,16,16",
                             "--steps", "100000", "--checkpoint-every", "100000", "--out", run.path]
        // A file, not a pipe: a full pipe would stall the run's progress lines.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("output.txt")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let metrics = run.appendingPathComponent("metrics.jsonl")
        func loggedSteps() -> Int { ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count }
        func wait(seconds: Double, until done: () -> Bool) {
            let deadline = Date().addingTimeInterval(seconds)
            while !done() && Date() < deadline { usleep(50_000) }
        }
        wait(seconds: 600) { loggedSteps() >= 3 || !process.isRunning }
        XCTAssertTrue(process.isRunning, "training ended early")
        kill(process.processIdentifier, SIGINT)
        wait(seconds: 120) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("still running 2 minutes after SIGINT")
        }
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, text)
        XCTAssertEqual(process.terminationStatus, 130, text)
        XCTAssertTrue(text.contains("SIGINT stopped the run after step"), text)
        XCTAssertGreaterThanOrEqual(loggedSteps(), 3)
        XCTAssertEqual(try Checkpoint.read(from: run.appendingPathComponent("checkpoint")).step, loggedSteps(),
                       "the checkpoint holds the last logged step")
    }
}
