import Foundation

/// A vertical SVG bar chart with values printed on the bars (few bars, exact numbers matter).
public struct BarChart {
    public var title: String
    public var yLabel: String
    public var bars: [(label: String, value: Double, colour: RGB)]
    public var yRange: ClosedRange<Double>
    /// Formats the number printed above each bar.
    public var format: (Double) -> String
    public var width = 420.0
    public var height = 300.0

    public init(title: String, yLabel: String, bars: [(label: String, value: Double, colour: RGB)], yRange: ClosedRange<Double>,
                format: @escaping (Double) -> String) {
        self.title = title
        self.yLabel = yLabel
        self.bars = bars
        self.yRange = yRange
        self.format = format
    }

    public func svg() throws -> String {
        guard !bars.isEmpty else { throw ReportError.invalidChart("'\(title)' has no bars") }
        let left = 64.0, right = 16.0, top = 40.0, bottom = 40.0
        let scale = try AxisScale(domain: yRange, pixels: top...(height - bottom), logarithmic: false, inverted: true)
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = SVGBuilder(width: width, height: height, label: title)
        svg.text(title, x: left, y: 20, size: 15, weight: "600")
        for tick in scale.ticks() {
            let y = scale.pixel(tick.value)
            svg.raw("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\"/>")
            svg.text(tick.label, x: left - 6, y: y + 4, size: 11, anchor: "end", colour: "#444")
        }
        let slot = (width - left - right) / Double(bars.count)
        for (index, bar) in bars.enumerated() {
            let x = left + slot * (Double(index) + 0.2), barWidth = slot * 0.6
            let value = min(max(bar.value, scale.domain.lowerBound), scale.domain.upperBound)
            let y = scale.pixel(value), base = scale.pixel(scale.domain.lowerBound)
            svg.raw("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barWidth))\" height=\"\(f(base - y))\" fill=\"\(bar.colour.hex)\"/>")
            svg.text(format(bar.value), x: x + barWidth / 2, y: y - 5, size: 12, anchor: "middle", weight: "600")
            svg.text(bar.label, x: x + barWidth / 2, y: height - bottom + 17, size: 12, anchor: "middle")
        }
        svg.raw("<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"#444\"/>")
        let yMiddle = (top + height - bottom) / 2
        svg.text(yLabel, x: 16, y: yMiddle, size: 12, anchor: "middle", transform: "rotate(-90 16 \(f(yMiddle)))")
        return svg.finish()
    }
}
