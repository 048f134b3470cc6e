import Foundation
import MCKDTraining
import XCTest

final class MetricsAndProgressTests: XCTestCase {
    func testResumeDropsRecordsAfterTheCheckpoint() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-metrics-\(UUID().uuidString)/metrics.jsonl")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        do {
            let log = try MetricsLog(url: url)
            for step in 1...5 { try log.append(["step": step, "loss": 1.0 / Double(step)]) }
        }
        do {
            let resumed = try MetricsLog(url: url, resumeStep: 3)
            try resumed.append(["step": 4, "loss": 0.2])
        }
        let steps = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["step"] as! Int
        }
        XCTAssertEqual(steps, [1, 2, 3, 4])
    }

    func testPlainLinesWhenNotATerminal() {
        var output = ""
        let progress = ProgressReporter(totalSteps: 20, interactive: false, lineInterval: 10) { output += $0 }
        for step in 1...20 { progress.update(step: step, fields: [("loss", "0.5")]) }
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("step 10/20  loss 0.5"), String(lines[0]))
        XCTAssertFalse(output.contains("\r"), "no carriage returns in logs")
    }

    func testBarOnATerminal() {
        var output = ""
        let progress = ProgressReporter(totalSteps: 4, interactive: true) { output += $0 }
        progress.update(step: 2, fields: [("loss", "0.5")])
        XCTAssertTrue(output.contains("[############............] 2/4"), output)
        progress.note("weights changed")
        progress.update(step: 4, fields: [])
        XCTAssertTrue(output.hasSuffix("\n"))
    }
}
