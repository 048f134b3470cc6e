import Foundation
import MCKDTraining

/// The run at a glance: task, data, architecture, device, steps, seed, KD and meta
/// settings, plus the whole configuration.json for reference.
enum ConfigurationSection {
    static func make(_ run: RunFolder) -> ReportSection {
        var section = ReportSection(id: "configuration", title: "Run configuration")
        if let problem = run.configurationProblem { section.missing.append(problem) }
        let modalities = run.task.modalityNames.joined(separator: run.task == .avmnist ? " + " : ", ")
        var facts: [(String, String)] = [("task", run.task == .avmnist ? "AV-MNIST (digit classification, \(modalities))"
                                                    : "BraTS segmentation (\(modalities))")]
        let device = ("device", run.device ?? "not recorded"), done = run.lastStep.map(String.init) ?? "none logged"
        switch run.configuration {
        case let .brats(configuration):
            let architecture = configuration.architecture
            facts += [("data", configuration.isSynthetic ? "\(configuration.data) phantom (SYNTHETIC data)" : configuration.data),
                      ("architecture", architecture.kind.rawValue),
                      ("channels per level", architecture.channels.map(String.init).joined(separator: ",")), device]
            facts += trainingFacts(configuration.training, done: done)
            facts += [("batch size", String(configuration.batchSize)), ("crop (D,H,W)", configuration.crop.map(String.init).joined(separator: ","))]
            if let counts = configuration.modalityCaseCounts {
                facts.append(("cases with each modality", BraTSRunConfiguration.describe(modalityCaseCounts: counts)
                              + " (incomplete cases train with the modalities they have)"))
            }
        case let .avmnist(configuration):
            facts += [device] + trainingFacts(configuration.training, done: done)
            facts += [("epochs", String(configuration.training.steps / max(1, configuration.stepsPerEpoch))),
                      ("batch size", String(configuration.batchSize))]
        case nil:
            facts += [device, ("steps", done)]
        }
        if let seconds = run.metrics?.records.last?.scalars["seconds"] {
            facts.append(("training time", String(format: "%.0f s (%.2f s/step)", seconds, seconds / Double(max(1, run.lastStep ?? 1)))))
        }
        facts.append(("checkpoint", run.hasCheckpoint ? "present" : "none"))

        var body = "<table class=\"facts\">"
        for (name, value) in facts { body += "<tr><th>\(Escaping.escape(name))</th><td>\(Escaping.escape(value))</td></tr>" }
        body += "</table>"
        if let text = run.configurationText {
            body += "<details><summary>configuration.json</summary><pre>\(Escaping.escape(text))</pre></details>"
        }
        section.body = body
        return section
    }

    /// Steps done of those planned, learning rate, seed, KD and meta mode.
    static func trainingFacts<Options>(_ training: TrainingSettings<Options>, done: String) -> [(String, String)] {
        let method = training.method
        return [("steps", "\(done) of \(training.steps)"), ("learning rate", "\(training.options.learningRate)"),
                ("seed", String(training.seed)),
                ("KD", MCKDSettings.name(of: method.distillation) + ", weight λ = \(method.distillationWeight)"),
                ("meta mode", method.meta.rawValue + (method.metaEvery.map { ", every \($0) step(s)" } ?? ""))]
    }
}
