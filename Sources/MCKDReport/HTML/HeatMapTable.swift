/// A colour-scaled table as HTML with inline styles: each cell's background comes
/// from a colour map, its text is black or white for contrast. Missing cells
/// (nil) are shown as a dash on white.
public struct HeatMapTable {
    public struct Row {
        public var header: String
        public var values: [Double?]
        /// Drawn after a rule and in bold (means, totals).
        public var isSummary = false

        public init(header: String, values: [Double?], isSummary: Bool = false) {
            self.header = header
            self.values = values
            self.isSummary = isSummary
        }
    }

    public var caption: String
    public var cornerHeader: String
    public var columnHeaders: [String]
    public var rows: [Row]
    /// A cell's colour from its value, row and column (rows may be normalised differently).
    public var colour: (_ value: Double, _ row: Int, _ column: Int) -> RGB
    /// The text shown in the cell.
    public var format: (Double) -> String
    /// A `data-` attribute name under which each cell carries its raw value, for tests
    /// and for readers who copy numbers out of the page.
    public var dataAttribute = "data-value"

    public init(caption: String, cornerHeader: String, columnHeaders: [String], rows: [Row],
                colour: @escaping (_ value: Double, _ row: Int, _ column: Int) -> RGB, format: @escaping (Double) -> String) {
        self.caption = caption
        self.cornerHeader = cornerHeader
        self.columnHeaders = columnHeaders
        self.rows = rows
        self.colour = colour
        self.format = format
    }

    /// `compact` narrows the cells (wide matrices such as 10 x 10 confusion tables).
    public func html(id: String? = nil, compact: Bool = false) -> String {
        var lines = ["<table class=\"heat\(compact ? " compact" : "")\"\(id.map { " id=\"\(Escaping.escape($0))\"" } ?? "")>"]
        lines.append("<caption>\(Escaping.escape(caption))</caption>")
        lines.append("<thead><tr><th>\(Escaping.escape(cornerHeader))</th>"
                     + columnHeaders.map { "<th>\(Escaping.escape($0))</th>" }.joined() + "</tr></thead><tbody>")
        for (rowIndex, row) in rows.enumerated() {
            var cells = ""
            for (columnIndex, value) in row.values.enumerated() {
                if let value, value.isFinite {
                    let background = colour(value, rowIndex, columnIndex)
                    cells += "<td style=\"background:\(background.hex);color:\(background.contrastingText.hex)\" "
                        + "\(dataAttribute)=\"\(value)\">\(Escaping.escape(format(value)))</td>"
                } else {
                    cells += "<td class=\"none\">–</td>"
                }
            }
            lines.append("<tr\(row.isSummary ? " class=\"summary\"" : "")><th scope=\"row\">\(Escaping.escape(row.header))</th>\(cells)</tr>")
        }
        lines.append("</tbody></table>")
        return lines.joined(separator: "\n")
    }
}
