import Foundation

/// Accumulates SVG elements; text always goes through `Escaping`.
public struct SVGBuilder {
    private var body: [String] = []
    public let width: Double
    public let height: Double
    public let label: String

    public init(width: Double, height: Double, label: String) {
        self.width = width
        self.height = height
        self.label = label
    }

    /// Appends markup built by the caller from numbers and escaped text.
    public mutating func raw(_ element: String) { body.append(element) }

    /// A text element; `text` is escaped.
    public mutating func text(_ text: String, x: Double, y: Double, size: Double, anchor: String = "start", weight: String = "400",
                              colour: String = "#222", transform: String? = nil) {
        var element = "<text x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\" font-size=\"\(size)\" "
            + "text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(colour)\""
        if let transform { element += " transform=\"\(transform)\"" }
        body.append(element + ">\(Escaping.escape(text))</text>")
    }

    /// The finished `<svg>` element.
    public func finish() -> String {
        let w = String(format: "%.0f", width), h = String(format: "%.0f", height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" "
            + "aria-label=\"\(Escaping.escape(label))\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\">\n"
            + body.joined(separator: "\n") + "\n</svg>"
    }
}
