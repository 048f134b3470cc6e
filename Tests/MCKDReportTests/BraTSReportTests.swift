import Foundation
import MCKDEngine
import MCKDReport
import MCKDTraining
import XCTest

/// The report of a tiny real run (CPU reference, phantom, a few steps): every section,
/// the Dice numbers of evaluation.json, decodable overlays; and a partial run.
final class BraTSReportTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws {
        folder = try ReportTestSupport.temporaryDirectory(for: self)
    }

    func tinyRun(_ name: String) throws -> URL { try TinyRun.copy(into: folder, name: name) }

    func withPhantomCache<T>(_ body: () throws -> T) rethrows -> T { try TinyRun.withPhantomCache(body) }

    func testReportOfATinyRunHasEverySectionAndTheRunsDiceNumbers() throws {
        let run = try tinyRun("tiny")
        var report = RunReport(run: run, backend: CPUBackend<Float>())
        report.overlayCases = 1
        let url = try withPhantomCache { try report.write() }
        XCTAssertEqual(url, run.appendingPathComponent("report.html"))
        let html = try String(contentsOf: url, encoding: .utf8)

        for id in ["configuration", "curves", "weights", "dice", "overlays"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), "section \(id) is missing")
        }
        XCTAssertFalse(html.contains("class=\"missing\""), "a complete run should lack nothing")
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"),
                       "nothing may be fetched from the network")
        for name in ["FLAIR", "T1ce", "Losses per step", "Learning rate", "Importance weight per modality", "KD", "meta mode"] {
            XCTAssertTrue(html.contains(name), name)
        }

        // The table's numbers are exactly evaluation.json's, then its means.
        let table = try JSONDecoder().decode(DiceTable.self, from: Data(contentsOf: run.appendingPathComponent("evaluation.json")))
        XCTAssertEqual(table.rows.count, 15)
        let expected = table.rows.flatMap(\.dice) + table.means
        XCTAssertEqual(ReportTestSupport.dataValues(html, elementID: "dice-table"), expected)
        // And the printed cells are those numbers in percent.
        XCTAssertTrue(html.contains(">\(String(format: "%.1f", 100 * table.rows[14].dice[2]))</td>"))

        // Every SVG parses as XML; every PNG decodes (Pillow), the overlays at the panel size.
        let svgs = html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        XCTAssertGreaterThanOrEqual(svgs.count, 4)
        for svg in svgs { ReportTestSupport.assertWellFormedXML(svg) }
        let pngs = ReportTestSupport.embeddedPNGs(html)
        XCTAssertEqual(pngs.count, 16, "1 case x (ground truth + 3 predictions) x 4 modalities")
        let file = folder.appendingPathComponent("panel.png")
        try pngs[0].write(to: file)
        let side = 16 * SliceOverlay.scale(for: [16, 16, 16])
        let probe = try ReportTestSupport.probePNG(file, points: [(0, 0)])
        XCTAssertEqual([probe.width, probe.height], [side, side])
        XCTAssertEqual(probe.pixels[0], [0, 0, 0], "the phantom's corner is background")
    }

    func testPartialRunRendersAndNamesWhatIsMissing() throws {
        let run = try tinyRun("partial")
        let manager = FileManager.default
        try manager.removeItem(at: run.appendingPathComponent("evaluation.json"))
        try manager.removeItem(at: run.appendingPathComponent("checkpoint"))
        // A run killed mid-write: the last line is cut in half.
        let metrics = run.appendingPathComponent("metrics.jsonl")
        let text = try String(contentsOf: metrics, encoding: .utf8)
        try String(text.dropLast(40)).write(to: metrics, atomically: true, encoding: .utf8)

        let html = try withPhantomCache { try RunReport(run: run, backend: CPUBackend<Float>()).html() }
        for id in ["configuration", "curves", "weights", "dice", "overlays"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), "section \(id) is missing")
        }
        XCTAssertTrue(html.contains("evaluation.json is missing"))
        XCTAssertTrue(html.contains("checkpoint is missing"))
        XCTAssertTrue(html.contains("1 unreadable line"))
        XCTAssertTrue(html.contains("training stopped after step 3 of 4"))
        XCTAssertTrue(html.contains("Losses per step"), "the steps that were logged are still drawn")

        // Nothing at all but a configuration: still a page, every section saying why it is empty.
        try manager.removeItem(at: metrics)
        let bare = try RunReport(run: run, backend: nil).html()
        XCTAssertTrue(bare.contains("metrics.jsonl is missing"))
        // Curves, weights, Dice and overlays each say what they lack; the configuration is complete.
        XCTAssertEqual(bare.components(separatedBy: "class=\"missing\"").count - 1, 4)
        XCTAssertThrowsError(try RunReport(run: folder.appendingPathComponent("nowhere"), backend: nil).html())
    }

    func testBaselineGivesThePerCellDifference() throws {
        let run = try tinyRun("with-baseline")
        let baseline = folder.appendingPathComponent("baseline")
        try FileManager.default.createDirectory(at: baseline, withIntermediateDirectories: true)
        var table = try JSONDecoder().decode(DiceTable.self, from: Data(contentsOf: run.appendingPathComponent("evaluation.json")))
        let original = table
        for index in table.rows.indices { table.rows[index].dice = table.rows[index].dice.map { $0 * 0.5 + 0.1 } }
        try JSONEncoder().encode(table).write(to: baseline.appendingPathComponent("evaluation.json"))

        var report = RunReport(run: run, baseline: baseline, backend: nil)
        report.overlayCases = 0
        let html = try report.html()
        let differences = ReportTestSupport.dataValues(html, elementID: "dice-difference")
        let expected = zip(original.rows.flatMap(\.dice), table.rows.flatMap(\.dice)).map { $0 - $1 }
            + zip(original.means, table.means).map { $0 - $1 }
        XCTAssertEqual(differences.count, expected.count)
        for (got, want) in zip(differences, expected) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        XCTAssertTrue(html.contains("this run − baseline"))
        XCTAssertEqual(ReportTestSupport.dataValues(html, elementID: "dice-baseline").prefix(45), table.rows.flatMap(\.dice)[...])
    }

    func testPredictFigureHasTruthAndPredictionRows() throws {
        let run = try tinyRun("figure")
        let trained = try TrainedRun<BraTSTask>(directory: run, backend: CPUBackend<Float>())
        let volume = try withPhantomCache {
            try trained.configuration.loadSplit { _ in }.loadTest()[0]
        }
        let subset = try ModalitySet([0, 2], of: 4)
        let labels = try BraTSOverlay.predictLabels(trained, volume: volume, subsets: [subset])[0]
        XCTAssertTrue(labels.allSatisfy { [0, 1, 2, 4].contains($0) })
        let figure = try BraTSOverlay.figure(volume, predictions: [(subset, labels)])
        let side = 16 * SliceOverlay.scale(for: volume.shape)
        XCTAssertEqual(figure.width, 4 * side + 5 * 4)
        XCTAssertEqual(figure.height, 2 * side + 3 * 4)
        let file = folder.appendingPathComponent("figure.png")
        try PNGEncoder.encode(figure).write(to: file)
        // The gap colour between panels, and the truth outlines present in the top row.
        let probe = try ReportTestSupport.probePNG(file, points: [(1, 1), (4 + side + 1, 10)])
        XCTAssertEqual([probe.width, probe.height], [figure.width, figure.height])
        XCTAssertEqual(probe.pixels, [[40, 40, 40], [40, 40, 40]])
        let z = BraTSOverlay.slice(volume, predictions: [labels])
        let truthColours = Set((0..<side).flatMap { y in (0..<side).map { x in figure.colour(x: 4 + x, y: 4 + y) } })
        let truthLabels = Set((0..<256).map { (z * 256) + $0 }.map { volume.labels![$0] })
        for region in SliceOverlay.regions where !region.labels.isDisjoint(with: truthLabels) {
            XCTAssertTrue(truthColours.contains(region.colour), "\(region.name) is in the slice but not outlined")
        }
    }
}
