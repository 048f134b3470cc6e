import Foundation
import MCKDReport
import XCTest

/// SVG charts parse as XML; scales and ticks are what a reader expects.
final class SVGChartTests: XCTestCase {
    func testLineChartIsWellFormedXMLAndEscapesNames() throws {
        var chart = LineChart(title: "Loss <of> \"run\" & co", xLabel: "step", yLabel: "loss", series: [
            LineSeries(name: "task <dice&bce>", points: (1...50).map { (Double($0), 5 / Double($0)) }, colour: ColourMap.series[0]),
            LineSeries(name: "kd", points: [(1, 0), (2, 0.5), (3, 0.25)], colour: ColourMap.series[1]),
        ])
        chart.logarithmicY = true
        let svg = try chart.svg()
        ReportTestSupport.assertWellFormedXML(svg)
        XCTAssertTrue(svg.contains("task &lt;dice&amp;bce&gt;"))
        XCTAssertFalse(svg.contains("<dice"))
        XCTAssertTrue(svg.contains("(log scale)"))
        // kd's y = 0 has no place on a log axis: 2 of its 3 points are drawn.
        let polylines = svg.components(separatedBy: "<polyline").dropFirst()
        XCTAssertEqual(polylines.count, 2)
        XCTAssertEqual(polylines.last!.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }.split(separator: " ").count, 2)
    }

    func testLinearTicksAreRoundNumbersCoveringTheData() throws {
        let scale = try AxisScale(domain: 0.13...0.87, pixels: 0...100, logarithmic: false, inverted: true)
        XCTAssertEqual(scale.domain, 0.0...1.0)
        XCTAssertEqual(scale.ticks().map(\.label), ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])   // zero is plain "0"
        XCTAssertEqual(scale.pixel(0), 100, accuracy: 1e-9)   // inverted: y grows downwards
        XCTAssertEqual(scale.pixel(1), 0, accuracy: 1e-9)
        XCTAssertEqual(AxisScale.niceStep(0.37), 0.5)
        XCTAssertEqual(AxisScale.niceStep(140), 200)
    }

    func testLogTicksArePowersOfTenForManyDecades() throws {
        let scale = try AxisScale(domain: 0.003...420, pixels: 0...100, logarithmic: true, inverted: false)
        XCTAssertEqual(scale.domain, 0.001...1000)
        XCTAssertEqual(scale.ticks().map(\.value), [0.001, 0.01, 0.1, 1, 10, 100, 1000])
        XCTAssertEqual(scale.pixel(1), 50, accuracy: 1e-9)
        XCTAssertThrowsError(try AxisScale(domain: 0...1, pixels: 0...1, logarithmic: true, inverted: false))
    }

    func testEmptyChartIsAnErrorAndBarChartParses() throws {
        XCTAssertThrowsError(try LineChart(title: "empty", xLabel: "x", yLabel: "y", series: []).svg())
        let bars = BarChart(title: "Accuracy", yLabel: "%", bars: [("a & b", 50, ColourMap.series[0]), ("c", 97.5, ColourMap.series[1])],
                            yRange: 0...100, format: { String(format: "%.1f%%", $0) })
        let svg = try bars.svg()
        ReportTestSupport.assertWellFormedXML(svg)
        XCTAssertTrue(svg.contains(">97.5%<"))
        ReportTestSupport.assertWellFormedXML(ColourScaleLegend.svg(.redBlue, low: "-5 <pp>", middle: "0", high: "+5", caption: "Δ"))
    }

    func testHeatMapCellsCarryValuesColoursAndEscapedHeaders() {
        let table = HeatMapTable(caption: "c", cornerHeader: "<x>", columnHeaders: ["A"],
                                 rows: [.init(header: "r&1", values: [0]), .init(header: "r2", values: [nil]), .init(header: "m", values: [1], isSummary: true)],
                                 colour: { value, _, _ in ColourMap.viridis.colour(at: value) }, format: { String($0) })
        let html = table.html(id: "t")
        ReportTestSupport.assertWellFormedXML(html)
        XCTAssertTrue(html.contains("background:#440154;color:#ffffff"))   // dark cell, white text
        XCTAssertTrue(html.contains("background:#fde725;color:#111111"))   // light cell, dark text
        XCTAssertTrue(html.contains("r&amp;1") && html.contains("&lt;x&gt;"))
        XCTAssertTrue(html.contains("class=\"none\""))
        XCTAssertEqual(ReportTestSupport.dataValues(html, elementID: "t"), [0, 1])
    }
}
