import Foundation
import MCKDData

/// The run at a glance: task, data, architecture, device, steps, seed, KD and meta
/// settings, plus the whole configuration.json for reference.
enum ConfigurationSection {
    static func make(_ run: RunFolder) -> ReportSection {
        var section = ReportSection(id: "configuration", title: "Run configuration")
        if let problem = run.configurationProblem { section.missing.append(problem) }
        func text(_ key: String) -> String? {
            guard let value = run.configurationValue(key) else { return nil }
            if let array = value as? [Any] { return array.map { "\($0)" }.joined(separator: ",") }
            return "\(value)"
        }
        var facts: [(String, String)] = [("task", run.task == .avmnist ? "AV-MNIST (digit classification, image + audio)"
                                                    : "BraTS segmentation (FLAIR, T1, T1ce, T2)")]
        if let data = text("data") { facts.append(("data", GeneratedData.isGenerated(data) ? "\(data) phantom (SYNTHETIC data)" : data)) }
        if let arch = text("arch") ?? (run.task == .brats && run.configurationValue("channels") != nil ? "small" : nil) { facts.append(("architecture", arch)) }
        if let channels = text("channels") { facts.append(("channels per level", channels)) }
        facts.append(("device", run.device ?? "not recorded"))
        let planned = text("steps")
        let done = run.lastStep.map(String.init) ?? "none logged"
        facts.append(("steps", planned.map { "\(done) of \($0)" } ?? done))
        if let epochs = text("epochs") { facts.append(("epochs", epochs)) }
        if let batch = text("batchSize") ?? text("batch") { facts.append(("batch size", batch)) }
        if let crop = text("crop") { facts.append(("crop (D,H,W)", crop)) }
        if let rate = text("learningRate") ?? text("lr") { facts.append(("learning rate", rate)) }
        if let seed = text("seed") { facts.append(("seed", seed)) }
        if let kd = text("distillation") ?? text("kd") {
            facts.append(("KD", kd + (text("distillationWeight").map { ", weight λ = \($0)" } ?? "")))
        }
        if let meta = text("meta") { facts.append(("meta mode", meta + (text("metaEvery").map { ", every \($0) step(s)" } ?? ""))) }
        if let seconds = run.metrics?.records.last?.scalars["seconds"] {
            facts.append(("training time", String(format: "%.0f s (%.2f s/step)", seconds, seconds / Double(max(1, run.lastStep ?? 1)))))
        }
        facts.append(("checkpoint", run.hasCheckpoint ? "present" : "none"))

        var body = "<table class=\"facts\">"
        for (name, value) in facts { body += "<tr><th>\(Escaping.escape(name))</th><td>\(Escaping.escape(value))</td></tr>" }
        body += "</table>"
        if let configuration = run.configuration,
           let data = try? JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys]) {
            body += "<details><summary>configuration.json</summary><pre>\(Escaping.escape(String(decoding: data, as: UTF8.self)))</pre></details>"
        }
        section.body = body
        return section
    }
}
