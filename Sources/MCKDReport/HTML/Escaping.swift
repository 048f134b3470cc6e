/// Escaping for text and attribute values in HTML and SVG (XML): run names, case
/// ids and configuration values come from files and must not become markup.
public enum Escaping {
    /// `&`, `<`, `>`, `"` and `'` as character references.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
