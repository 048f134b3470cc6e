import Foundation

/// A horizontal colour bar with end and middle labels, as inline SVG, so a heat map's
/// colours can be read back as numbers.
public enum ColourScaleLegend {
    public static func svg(_ map: ColourMap, low: String, middle: String?, high: String, caption: String) -> String {
        let width = 260.0, barHeight = 12.0
        let gradientID = "scale-" + StableID.of(map.name + low + high + caption)
        var svg = SVGBuilder(width: width, height: 46, label: caption)
        let stops = (0...20).map { i -> String in
            let t = Double(i) / 20
            return "<stop offset=\"\(String(format: "%.2f", t))\" stop-color=\"\(map.colour(at: t).hex)\"/>"
        }.joined()
        svg.raw("<defs><linearGradient id=\"\(gradientID)\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">\(stops)</linearGradient></defs>")
        svg.text(caption, x: 0, y: 11, size: 11, colour: "#444")
        svg.raw("<rect x=\"0\" y=\"16\" width=\"\(width)\" height=\"\(barHeight)\" fill=\"url(#\(gradientID))\" stroke=\"#999\" stroke-width=\"0.5\"/>")
        svg.text(low, x: 0, y: 42, size: 11, colour: "#444")
        if let middle { svg.text(middle, x: width / 2, y: 42, size: 11, anchor: "middle", colour: "#444") }
        svg.text(high, x: width, y: 42, size: 11, anchor: "end", colour: "#444")
        return svg.finish()
    }
}
