import Foundation

/// One line of a chart.
public struct LineSeries {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var colour: RGB
    public var lineWidth: Double = 2
    public var opacity: Double = 1
    /// Faint raw data under a smoothed line should not take a legend entry.
    public var inLegend = true

    public init(name: String, points: [(x: Double, y: Double)], colour: RGB, lineWidth: Double = 2, opacity: Double = 1, inLegend: Bool = true) {
        self.name = name
        self.points = points
        self.colour = colour
        self.lineWidth = lineWidth
        self.opacity = opacity
        self.inLegend = inLegend
    }
}

/// An SVG line chart with a title, labelled axes, ticks, grid lines and a legend.
public struct LineChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    /// log10 y axis; points with y <= 0 are left out (they have no place on it).
    public var logarithmicY = false
    /// A fixed y range instead of the data's (e.g. 0...1 for weights).
    public var yRange: ClosedRange<Double>? = nil
    public var width = 540.0
    public var height = 330.0

    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The chart as an `<svg>` element (standalone XML, no external references).
    public func svg() throws -> String {
        let usable = series.map { line in
            LineSeries(name: line.name, points: line.points.filter { $0.x.isFinite && $0.y.isFinite && (!logarithmicY || $0.y > 0) },
                       colour: line.colour, lineWidth: line.lineWidth, opacity: line.opacity, inLegend: line.inLegend)
        }
        let all = usable.flatMap(\.points)
        guard !all.isEmpty else { throw ReportError.invalidChart("'\(title)' has no points to draw") }
        let left = 64.0, right = 16.0, bottom = 48.0
        let xs = all.map(\.x), ys = all.map(\.y)
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = SVGBuilder(width: width, height: height, label: title)
        svg.text(title, x: left, y: 20, size: 15, weight: "600")

        // Legend under the title, wrapping onto more rows (which push the plot down).
        var legendX = left, legendY = 36.0
        for line in usable where line.inLegend {
            let itemWidth = 23 + Double(line.name.count) * 6.6 + 16
            if legendX > left && legendX + itemWidth > width - right { (legendX, legendY) = (left, legendY + 17) }
            svg.raw("<line x1=\"\(f(legendX))\" y1=\"\(f(legendY))\" x2=\"\(f(legendX + 18))\" y2=\"\(f(legendY))\" stroke=\"\(line.colour.hex)\" stroke-width=\"3\"/>")
            svg.text(line.name, x: legendX + 23, y: legendY + 4, size: 12)
            legendX += itemWidth
        }
        let top = legendY + 20
        let xScale = try AxisScale(domain: xs.min()!...xs.max()!, pixels: left...(width - right), logarithmic: false, inverted: false,
                                   nice: false)
        let yScale = try AxisScale(domain: yRange ?? (ys.min()!...ys.max()!), pixels: top...(height - bottom),
                                   logarithmic: logarithmicY, inverted: true, nice: true)

        // Grid and y ticks.
        for tick in yScale.ticks() {
            let y = yScale.pixel(tick.value)
            svg.raw("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>")
            svg.text(tick.label, x: left - 6, y: y + 4, size: 11, anchor: "end", colour: "#444")
        }
        let xTicks = try AxisScale(domain: xScale.domain, pixels: xScale.pixels, logarithmic: false, inverted: false).ticks()
            .filter { xScale.domain.contains($0.value) }
        for tick in xTicks {
            let x = xScale.pixel(tick.value)
            svg.raw("<line x1=\"\(f(x))\" y1=\"\(f(height - bottom))\" x2=\"\(f(x))\" y2=\"\(f(height - bottom + 5))\" stroke=\"#444\"/>")
            svg.text(tick.label, x: x, y: height - bottom + 18, size: 11, anchor: "middle", colour: "#444")
        }
        // Axes and their labels.
        svg.raw("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"#444\"/>")
        svg.raw("<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"#444\"/>")
        svg.text(xLabel, x: (left + width - right) / 2, y: height - 10, size: 12, anchor: "middle")
        let yMiddle = (top + height - bottom) / 2
        svg.text(yLabel + (logarithmicY ? " (log scale)" : ""), x: 16, y: yMiddle, size: 12, anchor: "middle",
                 transform: "rotate(-90 16 \(f(yMiddle)))")

        // The lines, clipped to the plot area.
        let clip = "clip-" + StableID.of(title)
        svg.raw("<clipPath id=\"\(clip)\"><rect x=\"\(f(left))\" y=\"\(f(top - 2))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom + 4))\"/></clipPath>")
        for line in usable where !line.points.isEmpty {
            let path = line.points.map { "\(f(xScale.pixel($0.x))),\(f(yScale.pixel($0.y)))" }.joined(separator: " ")
            if line.points.count == 1 {
                let point = line.points[0]
                svg.raw("<circle cx=\"\(f(xScale.pixel(point.x)))\" cy=\"\(f(yScale.pixel(point.y)))\" r=\"3\" fill=\"\(line.colour.hex)\"/>")
            } else {
                svg.raw("<polyline clip-path=\"url(#\(clip))\" fill=\"none\" stroke=\"\(line.colour.hex)\" stroke-width=\"\(line.lineWidth)\" "
                        + "stroke-opacity=\"\(line.opacity)\" stroke-linejoin=\"round\" points=\"\(path)\"/>")
            }
        }
        return svg.finish()
    }
}
