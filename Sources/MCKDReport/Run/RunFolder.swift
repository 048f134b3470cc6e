import Foundation
import MCKDTraining

/// What a run folder holds, read leniently: a report must render for a run that
/// stopped early, so every part is optional and the reason it is absent is kept.
public struct RunFolder {
    public let directory: URL
    /// RUN_DIR/configuration.json, typed (nil if absent or unreadable).
    public let configuration: RunConfiguration?
    /// configuration.json's text, shown as it is.
    public let configurationText: String?
    public let configurationProblem: String?
    public let metrics: MetricsHistory?
    public let metricsProblem: String?
    /// RUN_DIR/evaluation.json's bytes (decoded by the task's section).
    public let evaluation: Data?
    public let evaluationProblem: String?
    public let hasCheckpoint: Bool
    /// RUN_DIR/device.txt, written by `mckd train` (older runs lack it).
    public let device: String?

    public var name: String { directory.lastPathComponent }

    /// The configuration's task; BraTS when the configuration cannot be read.
    public var task: TaskKind { configuration?.task ?? .brats }

    /// Reads what exists; throws only when `directory` is not a folder at all.
    public init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.unusableRun("\(directory.path) is not a folder: give the run folder written by `mckd train`")
        }
        self.directory = directory
        func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

        configurationText = try? String(contentsOf: file("configuration.json"), encoding: .utf8)
        if !exists("configuration.json") {
            (configuration, configurationProblem) = (nil, "configuration.json is missing")
        } else {
            do {
                (configuration, configurationProblem) = (try RunConfiguration(json: Data(contentsOf: file("configuration.json"))), nil)
            } catch {
                (configuration, configurationProblem) = (nil, "configuration.json is not a run configuration (\(error))")
            }
        }

        if !exists("metrics.jsonl") {
            (metrics, metricsProblem) = (nil, "metrics.jsonl is missing (training logged no step)")
        } else {
            do {
                let history = try MetricsHistory.read(file("metrics.jsonl"))
                metrics = history
                if history.records.isEmpty {
                    metricsProblem = "metrics.jsonl holds no complete record (training logged no step)"
                } else if history.unreadableLines > 0 {
                    metricsProblem = "metrics.jsonl has \(history.unreadableLines) unreadable line(s) (a run killed mid-write?); they are left out"
                } else {
                    metricsProblem = nil
                }
            } catch {
                (metrics, metricsProblem) = (nil, "metrics.jsonl cannot be read (\(error.localizedDescription))")
            }
        }

        if exists("evaluation.json") {
            evaluation = try? Data(contentsOf: file("evaluation.json"))
            evaluationProblem = evaluation == nil ? "evaluation.json cannot be read" : nil
        } else {
            (evaluation, evaluationProblem) = (nil, "evaluation.json is missing (training stopped before the final evaluation; run `mckd eval --run \(directory.path)`)")
        }
        hasCheckpoint = exists("checkpoint")
        device = (try? String(contentsOf: file("device.txt"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The planned number of training steps.
    public var plannedSteps: Int? {
        switch configuration {
        case let .brats(configuration): return configuration.training.steps
        case let .avmnist(configuration): return configuration.training.steps
        case nil: return nil
        }
    }

    /// The last logged step, if any.
    public var lastStep: Int? { metrics?.records.last?.step }
}
