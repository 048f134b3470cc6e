import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// A run's ID ties configuration.json, the checkpoint and metrics.jsonl together: a fresh
/// run draws one, a resume keeps it, files of two runs in one folder are refused, and
/// folders from before run IDs resume and evaluate as before.
final class RunIDTests: TinyPhantomRunTestCase {
    @discardableResult
    func train(_ name: String, resume: Bool = false, stopAfterStep: Int? = nil) throws -> URL {
        let directory = folder.appendingPathComponent(name)
        _ = try TrainingRun<BraTSTask>(configuration: tinyPerCropConfiguration(), backend: CPUBackend<Float>(), directory: directory) { _ in }
            .run(resume: resume, stopAfterStep: stopAfterStep)
        return directory
    }

    func configurationID(_ run: URL) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("configuration.json"))) as? [String: Any]
        return object?[RunID.key] as? String
    }

    func checkpoint(_ run: URL) throws -> Checkpoint { try Checkpoint.read(from: run.appendingPathComponent("checkpoint")) }

    func metricsIDs(_ run: URL) throws -> [String?] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?[RunID.key] as? String
        }
    }

    /// The checkpoint's bytes without the run's ID, and the metrics without it and wall-clock time.
    func runWithoutID(_ run: URL) throws -> (checkpoint: [UInt8], metrics: [String]) {
        var saved = try checkpoint(run)
        saved.metadata[RunID.key] = nil
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            record["seconds"] = nil
            record[RunID.key] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
        }
        return (try saved.encoded(), metrics)
    }

    func testAFreshRunWritesOneRandomIDIntoEveryFile() throws {
        let first = try train("first"), second = try train("second")
        let id = try XCTUnwrap(try configurationID(first))
        XCTAssertEqual(id.count, 32)
        XCTAssertTrue(id.allSatisfy(\.isHexDigit), id)
        XCTAssertEqual(try checkpoint(first).metadata[RunID.key], id)
        XCTAssertEqual(try metricsIDs(first), [String?](repeating: id, count: 4))
        XCTAssertNotEqual(try configurationID(second), id, "the same seed and options make another run, with another ID")
    }

    /// Interrupted after step 3 and resumed: the folder keeps its ID, and apart from it the
    /// checkpoint is byte for byte the uninterrupted run's.
    func testAResumeKeepsTheIDAndEndsAsTheUninterruptedRun() throws {
        let straight = try train("straight")
        let interrupted = try train("interrupted", stopAfterStep: 3)
        let id = try XCTUnwrap(try configurationID(interrupted))
        try train("interrupted", resume: true)
        XCTAssertEqual(try configurationID(interrupted), id)
        XCTAssertEqual(try checkpoint(interrupted).metadata[RunID.key], id)
        XCTAssertEqual(try metricsIDs(interrupted), [String?](repeating: id, count: 4))
        let a = try runWithoutID(straight), b = try runWithoutID(interrupted)
        XCTAssertEqual(b.checkpoint, a.checkpoint)
        XCTAssertEqual(b.metrics, a.metrics)
    }

    /// Two runs stopped at step 2, "mine" holding `file` of "other": mine's folder, the
    /// copied file and both runs' IDs.
    func foldersMixing(_ file: String) throws -> (mine: URL, target: URL, myID: String, otherID: String) {
        let mine = try train("mine", stopAfterStep: 2), other = try train("other", stopAfterStep: 2)
        let (myID, otherID) = (try XCTUnwrap(try configurationID(mine)), try XCTUnwrap(try configurationID(other)))
        let target = mine.appendingPathComponent(file)
        try FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: other.appendingPathComponent(file), to: target)
        return (mine, target, myID, otherID)
    }

    /// Another run's checkpoint copied into a folder: --resume, evaluation and the report
    /// refuse it with one line naming both runs.
    func testACheckpointOfAnotherRunIsRefused() throws {
        let (mine, target, myID, otherID) = try foldersMixing("checkpoint")
        let expected = "\(target.path): written by run \(otherID), but configuration.json is run \(myID) (the folder mixes two runs; start afresh with --force)"
        XCTAssertThrowsError(try train("mine", resume: true)) { XCTAssertEqual("\($0)", expected) }
        XCTAssertThrowsError(try TrainedRun<BraTSTask>(directory: mine, backend: CPUBackend<Float>())) { XCTAssertEqual("\($0)", expected) }
        XCTAssertThrowsError(try RunID.requireSameRun(in: mine)) { XCTAssertEqual("\($0)", expected) }
        XCTAssertEqual(try checkpoint(mine).step, 2, "the refusal writes nothing")
    }

    /// Another run's metrics.jsonl in the folder: --resume refuses it naming the first line.
    func testMetricsOfAnotherRunAreRefusedOnResume() throws {
        let (_, target, myID, otherID) = try foldersMixing("metrics.jsonl")
        XCTAssertThrowsError(try train("mine", resume: true)) {
            XCTAssertEqual("\($0)", "\(target.path): line 1 was written by run \(otherID), but configuration.json is run \(myID) (the folder mixes two runs; start afresh with --force)")
        }
    }

    /// A folder from before run IDs (none anywhere) resumes bit for bit, keeps having no ID,
    /// and evaluates.
    func testAFolderWithoutRunIDsResumesAndEvaluatesAsBefore() throws {
        let straight = try train("straight")
        let earlier = try train("earlier", stopAfterStep: 3)
        try removeRunID(inRunFolder: earlier)
        try train("earlier", resume: true)
        XCTAssertNil(try configurationID(earlier))
        XCTAssertNil(try checkpoint(earlier).metadata[RunID.key], "a folder without an ID stays without one")
        XCTAssertEqual(try metricsIDs(earlier), [String?](repeating: nil, count: 4))
        let a = try runWithoutID(straight), b = try runWithoutID(earlier)
        XCTAssertEqual(b.checkpoint, a.checkpoint)
        XCTAssertEqual(b.metrics, a.metrics)
        XCTAssertEqual(try TrainedRun<BraTSTask>(directory: earlier, backend: CPUBackend<Float>()).step, 4)
        XCTAssertNoThrow(try RunID.requireSameRun(in: earlier))
    }
}
