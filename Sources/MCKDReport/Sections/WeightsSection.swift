import Foundation
import MCKDTraining

/// The importance weights softmax(theta_w) per modality over the steps.
enum WeightsSection {
    static func names(for run: RunFolder, count: Int) -> [String] {
        let known = run.task.modalityNames
        return count == known.count ? known : (0..<count).map { "modality \($0)" }
    }

    static func make(_ run: RunFolder) -> ReportSection {
        var section = ReportSection(id: "weights", title: "Importance weights softmax(θ_w)")
        guard let records = run.metrics?.records.filter({ !$0.weights.isEmpty }), let last = records.last else {
            section.missing.append(run.metrics == nil ? (run.metricsProblem ?? "metrics.jsonl is missing") : "no importance weights logged")
            return section
        }
        let count = last.weights.count
        let names = names(for: run, count: count)
        let series = (0..<count).map { m in
            LineSeries(name: names[m], points: records.filter { $0.weights.count == count }.map { (Double($0.step), $0.weights[m]) },
                       colour: ColourMap.series[m % ColourMap.series.count])
        }
        var chart = LineChart(title: "Importance weight per modality", xLabel: "training step", yLabel: "weight (sums to 1)", series: series)
        chart.yRange = 0...max(0.5, (series.flatMap { $0.points.map(\.y) }.max() ?? 1))
        var body = "<div class=\"row\">" + ((try? chart.svg()) ?? "")
        body += "<table class=\"facts\"><caption style=\"text-align:left;font-weight:600\">At step \(last.step)</caption>"
        for (name, weight) in zip(names, last.weights) {
            body += "<tr><th>\(Escaping.escape(name))</th><td>\(String(format: "%.3f", weight))</td></tr>"
        }
        body += "</table></div><p class=\"note\">Uniform weights would be \(String(format: "%.3f", 1 / Double(count))) each. "
            + "The weights scale each teacher modality's share of the KD loss; a meta mode of off keeps them uniform.</p>"
        section.body = body
        return section
    }
}
