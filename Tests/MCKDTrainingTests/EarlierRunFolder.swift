import Foundation
import MCKDTraining
import XCTest

/// Makes a run folder look as an earlier mckd wrote it: removes the configuration key
/// `key` (asserting it held `value`) from configuration.json and from the checkpoint's
/// embedded copy, which must agree for --resume.
func removeConfigurationKey(_ key: String, expecting value: String, inRunFolder folder: URL,
                            file: StaticString = #filePath, line: UInt = #line) throws {
    func removed(_ json: String) throws -> String {
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], file: file, line: line)
        XCTAssertEqual(object.removeValue(forKey: key) as? String, value, "the folder as written today", file: file, line: line)
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
    let configurationURL = folder.appendingPathComponent("configuration.json"), checkpointURL = folder.appendingPathComponent("checkpoint")
    try removed(try String(contentsOf: configurationURL, encoding: .utf8)).write(to: configurationURL, atomically: true, encoding: .utf8)
    var checkpoint = try Checkpoint.read(from: checkpointURL)
    checkpoint.metadata["configuration"] = try removed(try XCTUnwrap(checkpoint.metadata["configuration"], file: file, line: line))
    try checkpoint.write(to: checkpointURL)
}

/// Makes a run folder look as an mckd from before run IDs wrote it: removes the ID from
/// configuration.json, the checkpoint and every metrics.jsonl record (asserting each held
/// it); returns the ID removed.
@discardableResult
func removeRunID(inRunFolder folder: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let configurationURL = folder.appendingPathComponent("configuration.json"), checkpointURL = folder.appendingPathComponent("checkpoint")
    var configuration = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: configurationURL)) as? [String: Any], file: file, line: line)
    let id = try XCTUnwrap(configuration.removeValue(forKey: RunID.key) as? String, "configuration.json as written today", file: file, line: line)
    try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys]).write(to: configurationURL)
    var checkpoint = try Checkpoint.read(from: checkpointURL)
    XCTAssertEqual(checkpoint.metadata.removeValue(forKey: RunID.key), id, "the checkpoint as written today", file: file, line: line)
    try checkpoint.write(to: checkpointURL)
    let metricsURL = folder.appendingPathComponent("metrics.jsonl")
    let records = try String(contentsOf: metricsURL, encoding: .utf8).split(separator: "\n").map { line -> String in
        var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(record.removeValue(forKey: RunID.key) as? String, id, "metrics.jsonl as written today")
        return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
    }
    try records.map { $0 + "\n" }.joined().write(to: metricsURL, atomically: true, encoding: .utf8)
    return id
}
