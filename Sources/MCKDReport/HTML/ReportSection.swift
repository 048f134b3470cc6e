/// One titled part of a report: its HTML body and what it could not show, and why.
public struct ReportSection {
    /// The element id (also how tests find the section).
    public var id: String
    public var title: String
    /// HTML (already escaped where it holds text from files).
    public var body: String
    /// Plain-text notes on missing data, shown in a highlighted box at the section's top.
    public var missing: [String]

    public init(id: String, title: String, body: String = "", missing: [String] = []) {
        self.id = id
        self.title = title
        self.body = body
        self.missing = missing
    }
}
