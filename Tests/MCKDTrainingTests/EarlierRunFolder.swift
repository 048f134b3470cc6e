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
