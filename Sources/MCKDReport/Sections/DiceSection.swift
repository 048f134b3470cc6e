import Foundation
import MCKDTraining

/// The 15-subset x {ET, TC, WT} Dice heat map with the means, and with a baseline the
/// per-cell difference.
enum DiceSection {
    static func decode(_ data: Data?) -> DiceTable? { data.flatMap { try? JSONDecoder().decode(DiceTable.self, from: $0) } }

    static func percent(_ value: Double) -> String { String(format: "%.1f", 100 * value) }

    /// "+3.2", "-0.4"; differences that round to zero print as "0.0", not "-0.0".
    static func signedPoints(_ value: Double) -> String {
        abs(100 * value) < 0.05 ? "0.0" : String(format: "%+.1f", 100 * value)
    }

    static func table(_ dice: DiceTable, caption: String) -> HeatMapTable {
        var rows = dice.rows.map { row in
            HeatMapTable.Row(header: row.cases.map { "\(row.available) (\($0) cases)" } ?? row.available, values: row.dice.map { $0 })
        }
        rows.append(HeatMapTable.Row(header: "mean", values: dice.means.map { $0 }, isSummary: true))
        return HeatMapTable(caption: caption, cornerHeader: "available", columnHeaders: DiceTable.regions, rows: rows,
                            colour: { value, _, _ in ColourMap.viridis.colour(at: value) }, format: percent)
    }

    static func make(_ run: RunFolder, baseline: RunFolder?) -> ReportSection {
        var section = ReportSection(id: "dice", title: "Dice by available modalities")
        guard let data = run.evaluation else {
            section.missing.append(run.evaluationProblem ?? "evaluation.json is missing")
            return section
        }
        guard let dice = decode(data) else {
            section.missing.append("evaluation.json is not a Dice table (DiceTable JSON)")
            return section
        }
        let synthetic: Bool
        if case let .brats(configuration) = run.configuration { synthetic = configuration.isSynthetic } else { synthetic = false }
        var body = "<div class=\"row\"><div>" + table(dice, caption: "Dice (%) on \(dice.caseCount) test case(s)\(synthetic ? ", SYNTHETIC phantom" : "")")
            .html(id: "dice-table")
        body += ColourScaleLegend.svg(.viridis, low: "0%", middle: "50%", high: "100%", caption: "Dice") + "</div>"
        if let baseline {
            if let base = decode(baseline.evaluation) {
                let baseRows = Dictionary(base.rows.map { ($0.available, $0.dice) }, uniquingKeysWith: { first, _ in first })
                var rows = dice.rows.map { row in
                    HeatMapTable.Row(header: row.available, values: row.dice.indices.map { region in
                        baseRows[row.available].map { row.dice[region] - $0[region] } })
                }
                if dice.rows.allSatisfy({ baseRows[$0.available] != nil }) {
                    rows.append(HeatMapTable.Row(header: "mean", values: zip(dice.means, base.means).map { $0 - $1 }, isSummary: true))
                } else {
                    section.missing.append("the baseline's table lacks some subsets of this run; those cells are blank")
                }
                let largest = max(0.05, rows.flatMap { $0.values.compactMap { $0.map(abs) } }.max() ?? 0.05)
                let difference = HeatMapTable(caption: "Difference (percentage points): this run − \(baseline.name)", cornerHeader: "available",
                                              columnHeaders: DiceTable.regions, rows: rows,
                                              colour: { value, _, _ in ColourMap.redBlue.colour(at: 0.5 + value / (2 * largest)) },
                                              format: signedPoints)
                body += "<div>" + difference.html(id: "dice-difference")
                body += ColourScaleLegend.svg(.redBlue, low: String(format: "−%.0f pp", 100 * largest), middle: "0",
                                              high: String(format: "+%.0f pp", 100 * largest), caption: "better (blue) / worse (red) than the baseline") + "</div>"
                body += "<div>" + table(base, caption: "Baseline \(baseline.name): Dice (%) on \(base.caseCount) case(s)").html(id: "dice-baseline") + "</div>"
            } else {
                section.missing.append("baseline \(baseline.directory.path): " + (baseline.evaluationProblem ?? "evaluation.json is not a Dice table"))
            }
        }
        body += "</div><p class=\"note\">Rows: the modalities given to the model (the others are zeroed and filled in); "
            + "columns: enhancing tumour (ET), tumour core (TC), whole tumour (WT). Each cell is the mean over cases of the per-case Dice.</p>"
        section.body = body
        return section
    }
}
