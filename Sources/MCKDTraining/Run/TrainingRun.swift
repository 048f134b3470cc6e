import Foundation
import MCKDEngine

/// A training run of any task in RUN_DIR: the one training loop. The task brings the data,
/// the model and its trainer; the run decides when meta steps are due, guards against a
/// non-finite loss, logs metrics.jsonl and the progress line, writes checkpoints, resumes,
/// and writes the final evaluation.
public final class TrainingRun<Task: TrainingTask> {
    public let configuration: Task.Configuration
    public let directory: URL
    private let backend: any Backend
    private let parallel: DataParallel
    private let say: (String) -> Void

    /// - Parameters:
    ///   - configuration: the run; written to configuration.json and into every checkpoint.
    ///   - backend: the device to train on.
    ///   - directory: RUN_DIR (created when missing).
    ///   - parallel: the processes (mpirun's ranks) and micro-batches each step's batch
    ///     is split over; rank 0 alone writes the run folder.
    ///   - say: where the run's messages go (a line each).
    public init(configuration: Task.Configuration, backend: any Backend, directory: URL, parallel: DataParallel = DataParallel(),
                say: @escaping (String) -> Void) {
        self.configuration = configuration
        self.backend = backend
        self.directory = directory
        self.parallel = parallel
        self.say = say
    }

    public var checkpointURL: URL { directory.appendingPathComponent("checkpoint") }
    /// How much of the data the task may hold in host memory (BraTS: the case cache).
    public var dataLoading = DataLoading()
    /// The task of the latest `run` (its data can be looked at afterwards).
    public private(set) var task: Task?
    /// When set (one process, not under mpirun), a caught SIGINT/SIGTERM ends the run after
    /// the current step with a checkpoint (TrainingError.interrupted).
    public var stopSignals: StopSignals?

    /// Trains (from scratch or from RUN_DIR/checkpoint), then evaluates. With
    /// `stopAfterStep` it checkpoints and returns after that step instead (to be resumed
    /// later, e.g. across time-limited jobs); no evaluation then. A fresh start into a
    /// folder holding a run is refused unless `replace` (which deletes that run's files).
    public func run(resume: Bool, replace: Bool = false, stopAfterStep: Int? = nil) throws -> (trainer: Task.Trainer, evaluation: Task.Evaluation?) {
        let kind = Task.Configuration.task, communicator = parallel.communicator
        if !parallel.isSingle, let limitation = kind.dataParallelLimitation { throw DistributedError.unsupported(limitation) }
        try Task.requireFit(configuration, on: backend)
        let folder = try RunDirectory(directory, configuration: configuration, writer: communicator.isRoot)
        let task = try Task(configuration: configuration, backend: backend, dataLoading: dataLoading, say: say)
        self.task = task
        let trainer = task.trainer, training = configuration.training
        trainer.state.parallel = parallel
        let (resumeStep, runID) = try folder.start(resume: resume, replace: replace, communicator: communicator, say: say) { checkpoint in
            guard checkpoint.step <= training.steps else {
                throw CheckpointError.corrupt(file: folder.checkpointURL.path, reason: "step \(checkpoint.step) lies past the run's \(training.steps) steps")
            }
            try trainer.restore(from: checkpoint, file: folder.checkpointURL.path)
            for step in 0..<checkpoint.step { task.skipData(ofStep: step, metaBatches: training.method.metaBatchCount(atStep: step)) }
        }
        if communicator.size > 1 && resumeStep == nil {
            // Every rank starts from rank 0's initial state (they agree by seed; this makes it so).
            let initial = try communicator.broadcast(bytes: try trainer.checkpoint(metadata: [:]).encoded(), name: "initial weights")
            try trainer.restore(from: try Checkpoint.decode(initial, file: "rank 0's initial weights"), file: "rank 0's initial weights")
        }
        let log = StepLog(metrics: communicator.isRoot ? try MetricsLog(url: folder.metricsURL, resumeStep: resumeStep ?? (resume ? 0 : nil), runID: runID) : nil,
                          progress: communicator.isRoot ? ProgressReporter(totalSteps: training.steps, firstStep: trainer.step, lineInterval: kind.progressLineInterval) : nil,
                          modalityNames: kind.modalityNames, meta: training.method.meta)
        func saveCheckpoint() throws {
            if communicator.isRoot {
                var metadata = ["configuration": folder.configurationJSON]
                metadata[RunID.key] = runID
                try trainer.checkpoint(metadata: metadata).write(to: folder.checkpointURL)
            }
            if communicator.size > 1 { try requireSameState(trainer) }
        }
        while trainer.step < training.steps {
            let step = trainer.step
            communicator.context = "step \(step + 1)"
            let record = try task.trainStep(metaBatches: training.method.metaBatchCount(atStep: step))
            let parts = try record.parts.map { ($0, try backend.scalar($0.value)) }
            try folder.requireFinite(parts.map { ($0.0.key, $0.1) }, step: step)
            try log.append(record, parts: parts, step: step, learningRate: training.scheduledLearningRate(atStep: step), trainer: trainer)
            let signal = stopSignals?.requested
            if trainer.step % max(1, configuration.checkpointEvery) == 0 || trainer.step == training.steps || trainer.step == stopAfterStep
                || signal != nil {
                try saveCheckpoint()
            }
            if let signal {
                throw TrainingError.interrupted(step: trainer.step, signal: signal, checkpoint: folder.checkpointURL.path)
            }
            if trainer.step == stopAfterStep {
                say("stopped after step \(trainer.step) as asked; continue with --resume")
                return (trainer, nil)
            }
        }
        communicator.context = "evaluation"
        // Every rank evaluates its share of the test cases (BraTS); rank 0 writes the result.
        let evaluation = try task.evaluate(say: say)
        guard communicator.isRoot else { return (trainer, nil) }
        if let evaluation { try RunDirectory.writeEvaluation(evaluation, in: directory) }
        return (trainer, evaluation)
    }

    /// Every rank's parameters, momentum, theta_w and step against rank 0's (a checksum
    /// each): a difference is an error naming the ranks, not a silent drift.
    private func requireSameState(_ trainer: Task.Trainer) throws {
        let checksum = try trainer.stateChecksum()
        let all = try parallel.communicator.allGather(bytes: withUnsafeBytes(of: checksum.littleEndian) { Array($0) }, name: "state checksum")
        let sums = stride(from: 0, to: all.count, by: 8).map { all[$0..<($0 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let differing = sums.indices.filter { sums[$0] != sums[0] }
        guard differing.isEmpty else {
            throw DistributedError.diverged("after step \(trainer.step) the state of rank(s) \(differing.map(String.init).joined(separator: ", ")) differs from rank 0's")
        }
    }
}

/// One step's metrics.jsonl record and progress line.
private struct StepLog {
    /// Rank 0's only.
    let metrics: MetricsLog?
    let progress: ProgressReporter?
    let modalityNames: [String]
    let meta: MetaMode
    let start = Date()

    func append(_ record: StepRecord, parts: [(StepRecord.Part, Float)], step: Int, learningRate: Float,
                trainer: some MCKDTrainer) throws {
        let weights = try trainer.importanceWeights()
        var entries: [String: Any] = ["step": step + 1, "lr": Double(learningRate), "available": record.available,
                                      "weights": weights.map(Double.init), "seconds": Date().timeIntervalSince(start)]
        for (name, value) in record.counters { entries[name] = value }
        for (part, value) in parts { entries[part.key] = Double(value) }
        entries.merge(trainer.importance.metricsEntries(mode: meta)) { _, meta in meta }
        try metrics?.append(entries)
        progress?.update(step: trainer.step, fields: record.counters.map { ($0.name, String($0.value)) }
                        + parts.map { ($0.0.label, String(format: "%.4f", $0.1)) }
                        + [("w", zip(modalityNames, weights).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: " "))]
                        + trainer.importance.progressFields(mode: meta))
    }
}
