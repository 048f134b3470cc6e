import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// The case cache changes memory, never results: a run whose cache holds no case (every
/// crop reads its case from disk again) trains and evaluates bit for bit as one holding all.
final class CaseCacheTrainingTests: TinyPhantomRunTestCase {
    /// The checkpoint as bytes and the metrics without wall-clock time (both without the
    /// folder's run ID), the evaluation and how often the cache read a case, of a run in `name`.
    func run(_ name: String, caseCacheBytes: Int?) throws -> (checkpoint: [UInt8], metrics: [String], evaluation: Data, loads: Int) {
        let directory = folder.appendingPathComponent(name)
        let run = TrainingRun<BraTSTask>(configuration: tinyPerCropConfiguration(), backend: CPUBackend<Float>(), directory: directory) { _ in }
        run.dataLoading = DataLoading(caseCacheBytes: caseCacheBytes)
        _ = try run.run(resume: false)
        let metrics = try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            object["seconds"] = nil
            object[RunID.key] = nil   // each folder's run has its own ID
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        var checkpoint = try Checkpoint.read(from: run.checkpointURL)
        checkpoint.metadata[RunID.key] = nil
        return (try checkpoint.encoded(), metrics,
                try Data(contentsOf: directory.appendingPathComponent("evaluation.json")), try XCTUnwrap(run.task).caseCache.loads)
    }

    func testATinyCaseCacheTrainsBitForBitAsAnUnlimitedOne() throws {
        let held = try run("held", caseCacheBytes: nil), streamed = try run("streamed", caseCacheBytes: 0)
        XCTAssertEqual(held.metrics.count, 4)
        XCTAssertEqual(streamed.metrics, held.metrics, "losses and weights of every step")
        XCTAssertEqual(streamed.checkpoint, held.checkpoint, "weights, optimiser state and theta_w")
        XCTAssertEqual(streamed.evaluation, held.evaluation, "the Dice table")
        // 4 steps of 2 training crops and 1 meta-validation crop, each read from disk again.
        XCTAssertEqual(streamed.loads, 12)
        XCTAssertEqual(held.loads, 0, "the default budget holds the 5 cases read at the start")
    }
}
