import Foundation
import MCKDTraining
import XCTest

// Run folders through `mckd train` and `mckd eval` as a user drives them (the process
// helpers of DistributedTrainingTests).

/// A run folder written before per-crop drawing existed resumes with today's `mckd train
/// --resume`, keeping its sequential crop stream (TrainingRunTests check that stream's
/// resume bit for bit).
extension DistributedTrainingTests {
    func testRunFolderFromBeforePerCropDrawingResumesWithItsOwnDrawing() throws {
        let run = try folder("earlier")
        let arguments = Self.tinyRun + ["--device", "cpu", "--steps", "3", "--out", run.path]
        let first = try mckd(arguments + ["--stop-after", "2"])
        XCTAssertEqual(first.status, 0, first.output)

        try removeConfigurationKey("cropDrawing", expecting: "perCrop", inRunFolder: run)

        let resumed = try mckd(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        let final = try Checkpoint.read(from: run.appendingPathComponent("checkpoint"))
        XCTAssertEqual(final.step, 3)
        XCTAssertFalse(try XCTUnwrap(final.metadata["configuration"]).contains("cropDrawing"), "the resumed run kept its own drawing")
    }
}

/// `mckd eval` on a run that held out no test cases: an error naming the run and the way
/// out, not an all-zero table "on 0 cases" with exit status 0 (issue 19).
extension DistributedTrainingTests {
    func testEvaluatingARunWithoutTestCasesIsAnError() throws {
        let run = try folder("no-test-cases")
        let trained = try mckd(Self.tinyRun + ["--device", "cpu", "--steps", "1", "--out", run.path])
        XCTAssertEqual(trained.status, 0, trained.output)
        let evaluation = try mckd(["eval", "--run", run.path, "--device", "cpu"])
        XCTAssertEqual(evaluation.status, 1, evaluation.output)
        XCTAssertTrue(evaluation.output.contains("\(run.path): the run holds out no test cases") && evaluation.output.contains("--data"),
                      evaluation.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("evaluation.json").path))
    }
}
