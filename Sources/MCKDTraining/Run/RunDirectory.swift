import Foundation

/// A final evaluation as a run folder keeps it: evaluation.json (Encodable) and evaluation.csv.
public protocol RunEvaluation: Encodable {
    func csv() -> String
}

/// What a training run writes to and reads from RUN_DIR besides metrics: the configuration
/// it was started with, the checkpoint it starts or resumes from, the guard on the logged
/// loss parts, and the evaluation.
public struct RunDirectory {
    public let url: URL
    /// The run's configuration as written into every checkpoint (configuration.json adds the run's ID).
    let configurationJSON: String
    private let configuration: any TaskConfiguration
    /// Whether a checkpoint's configuration is this run's.
    private let isThisRun: (Data) -> Bool
    /// Held by the process that writes the folder (rank 0 under mpirun) while it lives.
    private let lock: RunFolderLock?

    /// Opens RUN_DIR for a training run; `writer` (rank 0) takes its lock and removes the
    /// temporary files of checkpoint writes that a killed process left.
    init<Configuration: TaskConfiguration>(_ url: URL, configuration: Configuration, writer: Bool = true) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.url = url
        configurationJSON = try RunConfiguration.json(configuration)
        self.configuration = configuration
        isThisRun = { (try? RunConfiguration.decode(Configuration.self, from: $0)) == configuration }
        lock = writer ? try RunFolderLock(folder: url) : nil
        if writer { try Checkpoint.removeStaleTemporaryFiles(in: url) }
    }

    /// What a finished or interrupted run leaves that a fresh start must not inherit.
    static let runFiles = ["checkpoint", "metrics.jsonl", "evaluation.json", "evaluation.csv", "report.html"]

    public var checkpointURL: URL { url.appendingPathComponent("checkpoint") }
    var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }

    /// RUN_DIR/evaluation.json (keys sorted, indented) and evaluation.csv: the training
    /// run's and `mckd eval`'s.
    public static func writeEvaluation(_ evaluation: some RunEvaluation, in directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(evaluation).write(to: directory.appendingPathComponent("evaluation.json"), options: .atomic)
        try evaluation.csv().write(to: directory.appendingPathComponent("evaluation.csv"), atomically: true, encoding: .utf8)
    }

    /// A fresh run draws its ID, writes configuration.json and returns no step. A resumed
    /// one hands the checkpoint to `restore` after checking it was written with this
    /// configuration (compared as configurations, so a run from before the `task` key
    /// resumes) and by the run configuration.json names (`RunID`), and returns its step. Either
    /// way rank 0 gets the run's ID (nil: a folder from before run IDs, which keeps none; other ranks: nil).
    ///
    /// Under mpirun rank 0 alone writes configuration.json and reads the checkpoint,
    /// whose bytes it sends to every rank (other nodes need not see the folder).
    ///
    /// A fresh start into a folder holding a checkpoint is refused unless `replace`, which
    /// first deletes the earlier run's files (so that nothing of it can be resumed later).
    func start(resume: Bool, replace: Bool = false, communicator: any Communicator = SingleProcess(), say: (String) -> Void,
               restore: (Checkpoint) throws -> Void) throws -> (step: Int?, runID: String?) {
        guard resume else {
            // Rank 0 alone writes what carries the ID, as on resume.
            guard communicator.isRoot else { return (nil, nil) }
            let runID = RunID.fresh()
            try clearEarlierRun(replace: replace, say: say)
            try RunConfiguration.json(configuration, runID: runID).write(to: url.appendingPathComponent("configuration.json"), atomically: true, encoding: .utf8)
            return (nil, runID)
        }
        var bytes: [UInt8] = []
        if communicator.isRoot {
            guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
                throw TrainingError.unusableRunFolder("nothing to resume: \(url.path) has no checkpoint (start without --resume)")
            }
            bytes = try Checkpoint.bytes(of: checkpointURL)
        }
        bytes = try communicator.broadcast(bytes: bytes, name: "checkpoint broadcast")
        let checkpoint = try Checkpoint.decode(bytes, file: checkpointURL.path)
        guard let written = checkpoint.metadata["configuration"], isThisRun(Data(written.utf8)) else {
            throw TrainingError.unusableRunFolder("checkpoint \(checkpointURL.path) was written by a run with another configuration; resume with the same options")
        }
        // Rank 0 alone has the folder; only it writes what carries the ID.
        let runID = communicator.isRoot ? try RunID.requireSameRun(checkpoint, file: checkpointURL, directory: url) : nil
        try restore(checkpoint)
        say("resumed from \(checkpointURL.path) at step \(checkpoint.step)")
        return (checkpoint.step, runID)
    }

    private func clearEarlierRun(replace: Bool, say: (String) -> Void) throws {
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else { return }
        guard replace else {
            throw TrainingError.unusableRunFolder("\(url.path) holds a run already (it has a checkpoint): continue it with --resume, "
                                                  + "or start over with --force, which deletes its checkpoint, metrics and evaluation")
        }
        for name in Self.runFiles {
            let file = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        }
        say("replacing the earlier run in \(url.path)")
    }

    /// Throws, naming the step and the part, when a logged loss part is NaN or infinite;
    /// the last good checkpoint stays as it is.
    func requireFinite(_ parts: [(String, Float)], step: Int) throws {
        guard let bad = parts.first(where: { !$0.1.isFinite }) else { return }
        throw TrainingError.nonFinite(step: step, part: bad.0, value: bad.1,
                                      checkpoint: FileManager.default.fileExists(atPath: checkpointURL.path) ? checkpointURL.path : "(none written yet)")
    }
}
