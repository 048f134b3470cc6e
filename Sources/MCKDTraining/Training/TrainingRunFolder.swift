import Foundation

/// The bookkeeping both run drivers share in RUN_DIR: the configuration they were
/// started with, starting or resuming from the checkpoint, and the guard on the
/// logged loss parts.
public struct TrainingRunFolder {
    let directory: URL
    /// The run's configuration as written to configuration.json and into every checkpoint.
    let configurationJSON: String

    init<Configuration: Encodable>(directory: URL, configuration: Configuration) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        configurationJSON = String(decoding: try Self.encoder.encode(configuration), as: UTF8.self)
    }

    /// Sorted keys, indented: run files diff cleanly.
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// RUN_DIR/evaluation.json and evaluation.csv (the training run's and `mckd eval`'s).
    public static func writeEvaluation<Evaluation: Encodable>(_ evaluation: Evaluation, csv: String, in directory: URL) throws {
        try encoder.encode(evaluation).write(to: directory.appendingPathComponent("evaluation.json"), options: .atomic)
        try csv.write(to: directory.appendingPathComponent("evaluation.csv"), atomically: true, encoding: .utf8)
    }

    var checkpointURL: URL { directory.appendingPathComponent("checkpoint") }

    /// A fresh run writes configuration.json and returns nil. A resumed one hands the
    /// checkpoint to `restore` after checking it was written with this configuration,
    /// and returns its step.
    func start(resume: Bool, say: (String) -> Void, restore: (Checkpoint) throws -> Void) throws -> Int? {
        guard resume else {
            try configurationJSON.write(to: directory.appendingPathComponent("configuration.json"), atomically: true, encoding: .utf8)
            return nil
        }
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw TrainingError.unusableRunFolder("nothing to resume: \(directory.path) has no checkpoint (start without --resume)")
        }
        let checkpoint = try Checkpoint.read(from: checkpointURL)
        guard checkpoint.metadata["configuration"] == configurationJSON else {
            throw TrainingError.unusableRunFolder("checkpoint \(checkpointURL.path) was written by a run with another configuration; resume with the same options")
        }
        try restore(checkpoint)
        say("resumed from \(checkpointURL.path) at step \(checkpoint.step)")
        return checkpoint.step
    }

    /// Throws, naming the step and the part, when a logged loss part is NaN or infinite;
    /// the last good checkpoint stays as it is.
    func requireFinite(_ parts: [(String, Float)], step: Int) throws {
        guard let bad = parts.first(where: { !$0.1.isFinite }) else { return }
        throw TrainingError.nonFinite(step: step, part: bad.0, value: bad.1,
                                      checkpoint: FileManager.default.fileExists(atPath: checkpointURL.path) ? checkpointURL.path : "(none written yet)")
    }
}
