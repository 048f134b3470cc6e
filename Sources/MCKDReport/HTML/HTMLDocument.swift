/// Assembles sections into one self-contained HTML page: inline CSS, inline SVG and
/// data-URI PNGs; no scripts and nothing fetched from the network.
public struct HTMLDocument {
    public var title: String
    public var subtitle: String
    public var sections: [ReportSection]

    public init(title: String, subtitle: String, sections: [ReportSection]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    public func render() -> String {
        var html = ["<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                    "<title>\(Escaping.escape(title))</title>", "<style>\(Self.style)</style>", "</head>", "<body>",
                    "<header><h1>\(Escaping.escape(title))</h1><p class=\"subtitle\">\(Escaping.escape(subtitle))</p>"]
        html.append("<nav>" + sections.map { "<a href=\"#\(Escaping.escape($0.id))\">\(Escaping.escape($0.title))</a>" }.joined(separator: " · ") + "</nav></header>")
        html.append("<main>")
        for section in sections {
            html.append("<section id=\"\(Escaping.escape(section.id))\">")
            html.append("<h2>\(Escaping.escape(section.title))</h2>")
            if !section.missing.isEmpty {
                html.append("<div class=\"missing\"><strong>Missing:</strong><ul>"
                            + section.missing.map { "<li>\(Escaping.escape($0))</li>" }.joined() + "</ul></div>")
            }
            html.append(section.body)
            html.append("</section>")
        }
        html.append("</main>")
        html.append("<footer>Written by <code>mckd report</code>: one file, no scripts, no network.</footer>")
        html.append("</body></html>")
        return html.joined(separator: "\n") + "\n"
    }

    static let style = """
    :root { color-scheme: light; }
    body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #f6f7f9;
           margin: 0; line-height: 1.45; }
    header { background: #1f2a44; color: #fff; padding: 18px 32px 12px; }
    header h1 { margin: 0; font-size: 24px; font-weight: 600; }
    header .subtitle { margin: 4px 0 8px; color: #c9d3e6; }
    nav a { color: #9fc3ff; text-decoration: none; font-size: 14px; }
    main { max-width: 1280px; margin: 0 auto; padding: 8px 32px 32px; }
    section { background: #fff; border: 1px solid #e1e4ea; border-radius: 8px; padding: 16px 24px 20px; margin: 18px 0; }
    h2 { font-size: 19px; margin: 0 0 10px; font-weight: 600; }
    h3 { font-size: 15px; margin: 14px 0 6px; font-weight: 600; }
    p.note, .caption { color: #555; font-size: 13px; margin: 6px 0; }
    .missing { background: #fff6e0; border: 1px solid #f0c36d; border-radius: 6px; padding: 6px 12px; margin: 0 0 12px; font-size: 14px; }
    .missing ul { margin: 4px 0; padding-left: 20px; }
    .row { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
    table { border-collapse: collapse; font-size: 13px; }
    table.facts td, table.facts th { text-align: left; padding: 2px 14px 2px 0; vertical-align: top; }
    table.facts th { color: #555; font-weight: 500; }
    table.heat { font-variant-numeric: tabular-nums; }
    table.heat caption { text-align: left; font-weight: 600; padding-bottom: 6px; white-space: nowrap; }
    table.heat th { padding: 3px 10px; text-align: right; font-weight: 500; }
    table.heat thead th { text-align: center; border-bottom: 1px solid #bbb; }
    table.heat td { padding: 3px 10px; text-align: center; min-width: 44px; }
    table.heat td.none { color: #999; }
    table.heat.compact td { min-width: 22px; padding: 2px 4px; }
    table.heat.compact th { padding: 2px 5px; }
    table.heat tr.summary th, table.heat tr.summary td { border-top: 2px solid #444; font-weight: 700; }
    table.overlay th { font-weight: 500; padding: 2px 6px; font-size: 13px; }
    table.overlay th.rowhead { text-align: right; max-width: 190px; }
    table.overlay td { padding: 2px; }
    table.overlay img, .pair img { image-rendering: pixelated; display: block; }
    table.overlay td.absent { outline: 2px dashed #c0392b; outline-offset: -3px; }
    .legend-swatch { display: inline-block; width: 14px; height: 4px; margin: 0 4px 3px 10px; vertical-align: middle; }
    .pairs { display: flex; flex-wrap: wrap; gap: 12px; }
    .pair { border: 1px solid #e1e4ea; border-radius: 6px; padding: 8px; font-size: 12px; }
    .pair .images { display: flex; gap: 6px; margin-bottom: 4px; }
    .ok { color: #1a7f37; font-weight: 600; }
    .wrong { color: #c0392b; font-weight: 600; }
    details pre { background: #f3f4f6; padding: 8px; border-radius: 6px; font-size: 12px; overflow-x: auto; }
    footer { text-align: center; color: #888; font-size: 12px; padding: 0 0 24px; }
    """
}
