import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// Whole training runs on a tiny synthetic phantom: resume equality, the NaN guard and
/// the evaluation table.
final class TrainingRunTests: TinyPhantomRunTestCase {
    /// The per-step records of a run's metrics log, without wall-clock time and the run's
    /// ID (each folder's run has its own).
    func losses(_ run: URL) throws -> [String] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                object["seconds"] = nil
                object[RunID.key] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
    }

    func testResumeReproducesAnUninterruptedRunBitForBit() throws {
        // Each drawing of crops once: the sequential stream (replayed on resume) and per-crop generators (skipped).
        let cases: [(any Backend, BraTSCropSampler.Drawing?)] = [(CPUBackend<Float>(), nil), (try OpenCLBackend(device: try OpenCLDevice.all()[0]), .perCrop)]
        for (backend, drawing) in cases {
            var configuration = tinyConfiguration(steps: 4)
            configuration.cropDrawing = drawing
            let straight = folder.appendingPathComponent("straight-\(backend is OpenCLBackend)")
            _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: straight) { _ in }.run(resume: false)

            let interrupted = folder.appendingPathComponent("interrupted-\(backend is OpenCLBackend)")
            _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }
                .run(resume: false, stopAfterStep: 3)
            // Stopped after step 3 as a time-limited job would be; resuming must continue exactly.
            let resumedRun = TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }
            let (_, table) = try resumedRun.run(resume: true)
            XCTAssertNotNil(table)

            let expected = try losses(straight), resumed = try losses(interrupted)
            XCTAssertEqual(expected.count, 4)
            XCTAssertEqual(resumed, expected, "\(backend.name): resumed losses must equal the uninterrupted run's, bit for bit")
        }
    }

    /// A gated run with K = 2 and R = 3 over 6 steps: 3, 6 and 9 theta_w updates from
    /// steps 1, 3 and 5 on in metrics.jsonl, logged weights that leave the seeded start,
    /// and a resume after step 3 (which skips the meta-validation crops of steps 1 and 3
    /// and draws those of step 5) equal to the uninterrupted run.
    func testGatedRunLogsItsUpdatesAndResumesBitForBit() throws {
        var configuration = tinyConfiguration(steps: 6)
        configuration.cropDrawing = .perCrop   // the resume skips the meta crops of steps 1 and 3 and draws step 5's
        configuration.training.meta = .gated
        configuration.training.metaEvery = 2
        configuration.training.metaBatches = 3
        let backend = CPUBackend<Float>()
        let straight = folder.appendingPathComponent("gated-straight"), interrupted = folder.appendingPathComponent("gated-interrupted")
        _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: straight) { _ in }.run(resume: false)
        _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }
            .run(resume: false, stopAfterStep: 3)
        _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }.run(resume: true)
        XCTAssertEqual(try losses(interrupted), try losses(straight))

        let records = try String(contentsOf: straight.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(records.map { $0["theta_updates"] as? Int }, [3, 3, 6, 6, 9, 9])
        XCTAssertEqual(records.map { $0["meta"] != nil }, [true, false, true, false, true, false])
        let seeded = try backend.download(try ImportanceWeights(backend, modalities: 4, seed: 5, learned: true).weights()).map(Double.init)
        let last = try XCTUnwrap(records.last?["weights"] as? [Double])
        XCTAssertGreaterThan(zip(last, seeded).map { abs($0 - $1) }.max()!, 1e-4, "weights \(last) never left the seeded \(seeded)")
    }

    func testNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        var configuration = tinyConfiguration(steps: 30)
        configuration.training.learningRate = 1e20   // diverges within a few steps
        configuration.training.meta = .off
        configuration.checkpointEvery = 1            // step 1 (finite, if huge) is checkpointed
        let directory = folder.appendingPathComponent("diverging")
        let run = TrainingRun<BraTSTask>(configuration: configuration, backend: CPUBackend<Float>(), directory: directory) { _ in }
        XCTAssertThrowsError(try run.run(resume: false)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("loss became") && message.contains("at step"), message)
        }
        let checkpoint = try Checkpoint.read(from: run.checkpointURL)
        XCTAssertGreaterThan(checkpoint.step, 0)
        XCTAssertTrue(checkpoint.tensors.allSatisfy { $0.values.allSatisfy(\.isFinite) }, "the kept checkpoint must be a good one")
    }

    func testEvaluationTableHasFifteenRowsOfValidDice() throws {
        let directory = folder.appendingPathComponent("evaluated")
        let (_, table) = try TrainingRun<BraTSTask>(configuration: tinyConfiguration(steps: 2), backend: CPUBackend<Float>(),
                                              directory: directory) { _ in }.run(resume: false)
        let result = try XCTUnwrap(table)
        XCTAssertEqual(result.rows.count, 15)
        XCTAssertTrue(result.rows.allSatisfy { $0.dice.count == 3 && $0.dice.allSatisfy { (0...1).contains($0) } })
        let csv = try String(contentsOf: directory.appendingPathComponent("evaluation.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 17, "header, 15 subsets, mean")

        // The run reloaded from its folder (as `mckd eval` does) scores the same.
        let backend = CPUBackend<Float>()
        let reloaded = try TrainedRun<BraTSTask>(directory: directory, backend: backend)
        let test = try reloaded.configuration.loadSplit { _ in }.loadTest()
        XCTAssertEqual(try SegmentationEvaluator(model: reloaded.model, tile: [8, 8, 8]).evaluate(test), result)
    }

    /// A run folder from before the `task` key (in configuration.json and in the
    /// checkpoint's configuration) loads as BraTS, is refused as AV-MNIST, and resumes.
    func testRunFolderWithoutTheTaskKeyLoadsAndResumes() throws {
        let configuration = tinyConfiguration(steps: 3), backend = CPUBackend<Float>()
        let directory = folder.appendingPathComponent("untagged")
        _ = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: directory) { _ in }
            .run(resume: false, stopAfterStep: 2)
        try removeConfigurationKey("task", expecting: "brats", inRunFolder: directory)

        XCTAssertEqual(try RunConfiguration.read(from: directory), .brats(configuration))
        XCTAssertEqual(try TrainedRun<BraTSTask>(directory: directory, backend: backend).step, 2)
        XCTAssertThrowsError(try TrainedRun<AVMNISTTask>(directory: directory, backend: backend)) { error in
            XCTAssertTrue("\(error)".contains("not a run configuration of task avmnist"), "\(error)")
        }
        let (trainer, table) = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: directory) { _ in }
            .run(resume: true)
        XCTAssertEqual(trainer.step, 3)
        XCTAssertNotNil(table)
    }

    func testLabelMapFollowsTheBraTSConvention() {
        // Channels ET, WT, TC for 4 voxels: none; WT only; WT+TC; WT+TC+ET.
        let probabilities: [Float] = [0, 0, 0, 0.9,   0.1, 0.9, 0.9, 0.9,   0, 0.2, 0.8, 0.8]
        XCTAssertEqual(SegmentationPrediction.labelMap(probabilities: probabilities, voxels: 4), [0, 2, 1, 4])
    }
}
