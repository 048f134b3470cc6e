import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// One run per folder: a second trainer is refused while the first holds the folder, a
/// fresh start does not silently inherit an earlier run's checkpoint, a checkpoint's step
/// must lie inside the run, and killed checkpoint writes leave nothing behind.
extension TrainingRunTests {
    func run(_ configuration: BraTSRunConfiguration, in directory: URL, resume: Bool = false, replace: Bool = false,
             say: @escaping (String) -> Void = { _ in }) throws -> Int {
        try TrainingRun<BraTSTask>(configuration: configuration, backend: CPUBackend<Float>(), directory: directory, say: say)
            .run(resume: resume, replace: replace).trainer.step
    }

    func testSecondTrainerOnTheSameFolderFailsAtOnceNamingTheHolder() throws {
        let directory = folder.appendingPathComponent("shared")
        var holder: RunFolderLock? = try RunFolderLock(folder: directory)
        XCTAssertThrowsError(try run(tinyConfiguration(steps: 2), in: directory)) { error in
            XCTAssertTrue("\(error)".contains("another mckd train is running") && "\(error)".contains("pid \(getpid())"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("configuration.json").path),
                       "the refused run wrote nothing")
        holder = nil
        XCTAssertNil(holder)
        XCTAssertEqual(try run(tinyConfiguration(steps: 2), in: directory), 2, "the folder is free once its holder is gone")
    }

    /// The silent failure of issue 19: a fresh run into a finished run's folder, stopped
    /// before its first checkpoint, was later resumed from the earlier run's checkpoint.
    func testFreshStartOverAnEarlierRunNeedsReplaceAndThenCannotResumeIt() throws {
        let directory = folder.appendingPathComponent("reused")
        XCTAssertEqual(try run(tinyConfiguration(steps: 2), in: directory), 2)
        let earlier = try Data(contentsOf: directory.appendingPathComponent("checkpoint"))

        var other = tinyConfiguration(steps: 30)
        other.training.seed = 9
        XCTAssertThrowsError(try run(other, in: directory)) { error in
            XCTAssertTrue("\(error)".contains("holds a run already") && "\(error)".contains("--force"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("checkpoint")), earlier, "the refusal loses nothing")

        // Replaced, then stopped (diverging) before its first checkpoint, like a run killed early.
        other.training.learningRate = 1e20
        other.training.meta = .off
        other.checkpointEvery = 100
        XCTAssertThrowsError(try run(other, in: directory, replace: true)) { XCTAssertTrue("\($0)".contains("loss became"), "\($0)") }
        for name in ["checkpoint", "evaluation.json", "evaluation.csv"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name) of the earlier run")
        }
        XCTAssertThrowsError(try run(other, in: directory, resume: true)) { XCTAssertTrue("\($0)".contains("nothing to resume"), "\($0)") }
    }

    func testCheckpointStepPastTheRunIsRefusedOnResume() throws {
        let directory = folder.appendingPathComponent("far")
        let configuration = tinyConfiguration(steps: 3)
        _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: CPUBackend<Float>(), directory: directory) { _ in }
            .run(resume: false, stopAfterStep: 1)
        let url = directory.appendingPathComponent("checkpoint")
        var checkpoint = try Checkpoint.read(from: url)
        checkpoint.step = 1_000_000
        try checkpoint.write(to: url)
        XCTAssertThrowsError(try run(configuration, in: directory, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("step 1000000 lies past the run's 3 steps"), "\(error)")
        }
    }

    func testTemporaryFilesOfKilledCheckpointWritesAreRemoved() throws {
        let directory = folder.appendingPathComponent("killed")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stale = directory.appendingPathComponent(".checkpoint.99999.partial")
        try Data(repeating: 7, count: 100).write(to: stale)
        XCTAssertEqual(try run(tinyConfiguration(steps: 2), in: directory), 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
    }
}
