import Foundation
import MCKDData
import MCKDReport
import MCKDTraining
import XCTest

/// AV-MNIST sections from hand-written fixture files in the schema of the AV-MNIST run.
final class AVMNISTReportTests: XCTestCase {
    func writeFixture(_ directory: URL, steps: Int = 30) throws -> (confusion: [[Int]], accuracy: [String: Double]) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = AVMNISTRunConfiguration()
        configuration.audioRate = 50
        configuration.batchSize = 32
        try RunConfiguration.json(configuration).write(to: directory.appendingPathComponent("configuration.json"), atomically: true, encoding: .utf8)
        var lines: [String] = []
        for step in 1...steps {
            let w = 0.5 + 0.01 * Double(step)
            lines.append(#"{"available":"image+audio","ce":\#(2.3 / Double(step)),"epoch":\#(step / 10),"kd":\#(0.5 / Double(step)),"lr":0.01,"#
                         + #""meta":\#(1.0 / Double(step)),"seconds":\#(Double(step) * 0.1),"step":\#(step),"weights":[\#(w),\#(1 - w)]}"#)
        }
        try lines.joined(separator: "\n").write(to: directory.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        // 45 test pairs per digit; "both" mostly right with a few 3 <-> 8 confusions, the
        // single modalities worse. Written by the run's own encoder (the real schema).
        func matrix(_ wrong: Int) -> [[Int]] {
            var m = (0..<10).map { digit in (0..<10).map { $0 == digit ? 45 : 0 } }
            m[3][3] -= wrong; m[3][8] += wrong; m[8][8] -= wrong / 2; m[8][3] += wrong / 2
            return m
        }
        let confusion = matrix(5)
        let matrices = ["both": confusion, "image": matrix(20), "audio": matrix(40)]
        // Correct answers: 450 less the off-diagonal moves, counted by hand.
        let accuracy = ["both": (450.0 - 5 - 2) / 450, "image": (450.0 - 20 - 10) / 450, "audio": (450.0 - 40 - 20) / 450]
        let predictions = (0..<16).map { i in
            AVMNISTEvaluation.Prediction(index: i, label: i % 10, both: i % 10, image: i % 10, audio: (i + i / 8) % 10)
        }
        let evaluation = AVMNISTEvaluation(sampleCount: 450, audioRate: 50, visualRate: nil, confusion: matrices, predictions: predictions)
        try JSONEncoder().encode(evaluation).write(to: directory.appendingPathComponent("evaluation.json"))
        return (confusion, accuracy)
    }

    func testAVMNISTReportShowsAccuracyConfusionAndPairs() throws {
        let directory = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("avmnist-run")
        let (confusion, accuracy) = try writeFixture(directory)
        var report = RunReport(run: directory, backend: nil)
        report.avmnistCache = "/nonexistent/avmnist.bin"
        report.pairCount = 4
        let html = try report.html()
        for id in ["configuration", "curves", "weights", "accuracy", "confusion", "pairs"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), "section \(id) is missing")
        }
        XCTAssertFalse(html.contains("<section id=\"dice\">"))
        XCTAssertTrue(html.contains("AV-MNIST"))
        XCTAssertTrue(html.contains("task (cross-entropy)"))
        XCTAssertTrue(html.contains(">image<") && html.contains(">audio<"), "weights are named image and audio")
        XCTAssertEqual(ReportTestSupport.dataValues(html, elementID: "accuracy-table"), ["both", "image", "audio"].map { accuracy[$0]! })
        XCTAssertTrue(html.contains("training audio rate</th><td>50%"))
        XCTAssertTrue(html.contains("training visual rate</th><td>100% (every pair)"))
        XCTAssertEqual(ReportTestSupport.dataValues(html, elementID: "confusion-both"), confusion.flatMap { $0.map(Double.init) })
        // No cache: the section says so and still lists the predictions.
        XCTAssertTrue(html.contains("/nonexistent/avmnist.bin is absent"))
        XCTAssertTrue(html.contains("test pair 3, label <strong>3</strong>"))
        XCTAssertEqual(html.components(separatedBy: "class=\"pair\"").count - 1, 4)
        for svg in html.components(separatedBy: "<svg ").dropFirst() {
            ReportTestSupport.assertWellFormedXML("<svg " + svg.components(separatedBy: "</svg>")[0] + "</svg>")
        }
    }

    func testPairsFromTheCacheAreDecodableImages() throws {
        let cache = AVMNISTCache.defaultFile()
        guard FileManager.default.fileExists(atPath: cache.path) else {
            throw XCTSkip("the AV-MNIST cache \(cache.path) is absent: scripts/setup-avmnist builds it (scripts/test runs it)")
        }
        let directory = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("avmnist-cache-run")
        _ = try writeFixture(directory)
        var report = RunReport(run: directory, backend: nil)
        report.pairCount = 2
        let html = try report.html()
        XCTAssertFalse(html.contains("is absent"))
        let pngs = ReportTestSupport.embeddedPNGs(html)
        XCTAssertEqual(pngs.count, 4, "2 pairs x (image + MFCC)")
        let file = try ReportTestSupport.temporaryDirectory(for: self).appendingPathComponent("digit.png")
        try pngs[0].write(to: file)
        let probe = try ReportTestSupport.probePNG(file, points: [(0, 0)])
        XCTAssertEqual([probe.width, probe.height], [112, 112])
        XCTAssertEqual(probe.pixels[0], [0, 0, 0], "MNIST corners are black")
    }
}
