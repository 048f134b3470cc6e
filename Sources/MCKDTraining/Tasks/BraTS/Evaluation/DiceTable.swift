import Foundation

/// The missing-modality table (method.md section 6): mean Dice per available subset
/// and tumour region, plus the mean over subsets.
public struct DiceTable: Codable, Equatable, RunEvaluation {
    public static let regions = ["ET", "TC", "WT"]

    public struct Row: Codable, Equatable {
        public var available: String
        /// Mean over cases of the per-case Dice, in `regions` order.
        public var dice: [Double]
        /// Cases scored on this subset, when not every case could be (some lack a modality
        /// of it); nil when all were.
        public var cases: Int?

        public init(available: String, dice: [Double], cases: Int? = nil) {
            self.available = available
            self.dice = dice
            self.cases = cases
        }
    }

    public var modalityNames: [String]
    public var rows: [Row]
    public var caseCount: Int

    /// The mean of each region over the rows.
    public var means: [Double] {
        (0..<Self.regions.count).map { region in rows.map { $0.dice[region] }.reduce(0, +) / Double(max(1, rows.count)) }
    }

    /// A fixed-width terminal table, percentages with one decimal.
    public func formatted() -> String {
        let width = max(12, rows.map(\.available.count).max() ?? 0)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [pad("available") + Self.regions.map { String(repeating: " ", count: 8 - $0.count) + $0 }.joined()
                     + (isIncomplete ? "   cases" : "")]
        for row in rows {
            lines.append(pad(row.available) + row.dice.map { String(format: "%8.1f", 100 * $0) }.joined()
                         + (isIncomplete ? String(format: "%8d", row.cases ?? caseCount) : ""))
        }
        lines.append(pad("mean") + means.map { String(format: "%8.1f", 100 * $0) }.joined())
        return lines.joined(separator: "\n")
    }

    /// Whether some subset was scored on fewer than all cases (then tables show a cases column).
    public var isIncomplete: Bool { rows.contains { $0.cases != nil } }

    /// available,ET,TC,WT rows (fractions), then the mean row; a cases column when some
    /// cases lack modalities.
    public func csv() -> String {
        var lines = ["available," + Self.regions.joined(separator: ",") + (isIncomplete ? ",cases" : "")]
        lines += rows.map { ([$0.available] + $0.dice.map { String($0) } + (isIncomplete ? [String($0.cases ?? caseCount)] : [])).joined(separator: ",") }
        lines.append((["mean"] + means.map { String($0) }).joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Dice of two binary masks; both empty counts as 1 (method.md section 6).
public func diceScore(prediction: ArraySlice<Bool>, target: ArraySlice<Bool>) -> Double {
    var intersection = 0, predicted = 0, actual = 0
    for (p, t) in zip(prediction, target) {
        if p { predicted += 1 }
        if t { actual += 1 }
        if p && t { intersection += 1 }
    }
    return predicted + actual == 0 ? 1 : 2 * Double(intersection) / Double(predicted + actual)
}
