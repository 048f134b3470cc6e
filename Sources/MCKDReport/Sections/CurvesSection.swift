import Foundation

/// Loss curves (task, KD, meta; log scale) and the learning rate over steps.
enum CurvesSection {
    /// A centred moving average over `window` points (odd), shrinking at the ends.
    static func smoothed(_ points: [(x: Double, y: Double)], window: Int) -> [(x: Double, y: Double)] {
        guard window > 1 else { return points }
        let half = window / 2
        var prefix = [0.0]
        for point in points { prefix.append(prefix.last! + point.y) }
        return points.indices.map { i in
            let low = max(0, i - half), high = min(points.count - 1, i + half)
            return (points[i].x, (prefix[high + 1] - prefix[low]) / Double(high - low + 1))
        }
    }

    /// Raw values faint, a moving average bold on top (per-step losses jump with the
    /// sampled modality subset; the trend is what matters). Short runs: raw only.
    static func lines(name: String, points: [(x: Double, y: Double)], colour: RGB) -> [LineSeries] {
        guard points.count > 30 else { return [LineSeries(name: name, points: points, colour: colour)] }
        let window = max(3, (points.count / 25) | 1)
        return [LineSeries(name: name, points: points, colour: colour, lineWidth: 1, opacity: 0.25, inLegend: false),
                LineSeries(name: name, points: smoothed(points, window: window), colour: colour)]
    }

    static func make(_ run: RunFolder) -> ReportSection {
        var section = ReportSection(id: "curves", title: "Training curves")
        guard let metrics = run.metrics, !metrics.records.isEmpty else {
            section.missing.append(run.metricsProblem ?? "metrics.jsonl holds no record")
            return section
        }
        if let problem = run.metricsProblem { section.missing.append(problem) }
        if let planned = run.plannedSteps, let last = run.lastStep, last < planned {
            section.missing.append("steps \(last + 1)-\(planned): training stopped after step \(last) of \(planned)")
        }
        let taskName: String, task: [(x: Double, y: Double)]
        if run.task == .avmnist {
            (taskName, task) = ("task (cross-entropy)", metrics.series("ce"))
        } else {
            (taskName, task) = ("task (Dice + BCE)", metrics.sum(["dice", "bce"]))
        }
        let kd = metrics.series("kd"), meta = metrics.series("meta")
        var series = lines(name: taskName, points: task, colour: ColourMap.series[0])
        series += lines(name: "KD", points: kd, colour: ColourMap.series[1])
        series += lines(name: "meta (validation)", points: meta, colour: ColourMap.series[2])
        if task.isEmpty { section.missing.append("no task loss logged") }
        if kd.isEmpty { section.missing.append("no KD loss logged (KD off for this run?)") }
        if meta.isEmpty { section.missing.append("no meta loss logged (meta mode off?)") }
        var body = "<div class=\"row\">"
        var losses = LineChart(title: "Losses per step", xLabel: "training step", yLabel: "loss", series: series)
        losses.logarithmicY = true
        body += (try? losses.svg()) ?? "<p class=\"note\">No positive loss values to draw on a log scale.</p>"
        let rate = metrics.series("lr")
        if rate.isEmpty {
            section.missing.append("no learning rate logged")
        } else {
            let chart = LineChart(title: "Learning rate", xLabel: "training step", yLabel: "learning rate",
                                  series: [LineSeries(name: "network learning rate", points: rate, colour: ColourMap.series[3])])
            if let svg = try? chart.svg() { body += svg }
        }
        body += "</div><p class=\"note\">Task loss: \(run.task == .avmnist ? "cross-entropy of the fused prediction" : "soft Dice + binary cross-entropy over ET, WT and TC")"
            + "; KD: the importance-weighted cross-modal distillation loss (as weighted in training); meta: the meta-validation loss of the importance-weight step. "
            + "Each step trains on one randomly drawn modality subset, hence the spread: runs of more than 30 steps show each step faintly "
            + "and a centred moving average (window of about 1/25 of the steps) on top.</p>"
        section.body = body
        return section
    }
}
