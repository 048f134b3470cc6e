import Foundation
import MCKDTraining

/// The Dice table for the terminal: aligned columns and, on a colour terminal, each
/// cell's background coloured by its Dice (the report's viridis map, as 256-colour
/// ANSI approximations).
public enum TerminalDiceTable {
    /// Colour only for a terminal that can show it: stdout is a TTY, TERM is set and
    /// not "dumb", and NO_COLOR (https://no-color.org) is unset or empty.
    public static func colourEnabled(isTerminal: Bool = isatty(STDOUT_FILENO) != 0,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isTerminal, let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return false }
        return (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// The nearest colour of the xterm 6x6x6 cube (codes 16-231).
    public static func ansiCode(_ colour: RGB) -> Int {
        func level(_ component: UInt8) -> Int {
            let steps = [0, 95, 135, 175, 215, 255]
            return steps.indices.min { abs(steps[$0] - Int(component)) < abs(steps[$1] - Int(component)) }!
        }
        return 16 + 36 * level(colour.red) + 6 * level(colour.green) + level(colour.blue)
    }

    /// The table with Dice in percent, one decimal, right-aligned; `colour` adds ANSI
    /// backgrounds (the text width is the same either way).
    public static func render(_ table: DiceTable, colour: Bool) -> String {
        let width = max(12, (table.rows.map(\.available.count) + [4]).max()!) + 1
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        func cell(_ value: Double) -> String {
            let text = String(format: "%7.1f", 100 * value)
            guard colour else { return text }
            let background = ColourMap.viridis.colour(at: value)
            let foreground = background.contrastingText == RGB(0xFF, 0xFF, 0xFF) ? 15 : 16
            return "\u{1B}[48;5;\(ansiCode(background))m\u{1B}[38;5;\(foreground)m\(text)\u{1B}[0m"
        }
        // Incomplete cases: how many cases each subset's mean is over.
        let cases = { (row: DiceTable.Row) in table.isIncomplete ? String(format: " %7d", row.cases ?? table.caseCount) : "" }
        var lines = [pad("available") + DiceTable.regions.map { String(repeating: " ", count: 7 - $0.count) + $0 }.joined(separator: " ")
                     + (table.isIncomplete ? "   cases" : "")]
        for row in table.rows { lines.append(pad(row.available) + row.dice.map(cell).joined(separator: " ") + cases(row)) }
        lines.append(pad("mean") + table.means.map(cell).joined(separator: " "))
        return lines.joined(separator: "\n")
    }
}
