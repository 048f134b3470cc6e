import ArgumentParser
import Foundation
import MCKDEngine
import MCKDReport
import MCKDTraining

/// `mckd train`: MCKD training of either task, with its evaluation and report at the end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an MCKD model (default: the small model on the SYNTHETIC phantom, on gpu0).")

    // Help titles are upper-cased by ArgumentParser.
    @OptionGroup(title: "Every task") var shared: SharedTrainingArguments
    @OptionGroup(title: "BraTS") var brats: BraTSArguments
    @OptionGroup(title: "AV-MNIST") var avmnist: AVMNISTArguments

    /// The run's configuration; the other task's options are refused, not ignored.
    func configuration() throws -> RunConfiguration {
        let (other, given): (String, [String]) = shared.task == .brats ? ("avmnist", avmnist.given) : ("brats", brats.given)
        guard given.isEmpty else {
            throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "is" : "are") for --task \(other)")
        }
        switch shared.task {
        case .brats: return .brats(try brats.configuration(shared))
        case .avmnist: return .avmnist(try avmnist.configuration(shared))
        }
    }

    /// Under mpirun rank 0 alone prints a refused option (N copies would interleave).
    func validate() throws {
        do {
            _ = try configuration()
        } catch where ProcessGroup.launchedRank != 0 {
            throw ExitCode.validationFailure
        }
    }

    func run() throws {
        switch try configuration() {
        case .brats(var configuration):
            try reportingErrors { try configuration.recordModalityCaseCounts() }
            try train(BraTSTask.self, configuration) { table in
                "\nDice (%) on \(table.caseCount) test cases\(configuration.isSynthetic ? " (SYNTHETIC phantom)" : ""):\n"
                    + TerminalDiceTable.render(table, colour: TerminalDiceTable.colourEnabled())
            }
        case let .avmnist(configuration):
            try train(AVMNISTTask.self, configuration) { evaluation in
                let rates = "audio rate \(configuration.audioRate.map { "\($0)%" } ?? "100%"), visual rate \(configuration.visualRate.map { "\($0)%" } ?? "100%")"
                return "\nAV-MNIST test accuracy on \(evaluation.sampleCount) pairs (trained at \(rates)):\n" + evaluation.formatted()
            }
        }
    }

    /// Trains, prints the importance weights and the evaluation, and writes the report
    /// (also of a run stopped by a non-finite loss, before its error).
    func train<Task: TrainingTask>(_ task: Task.Type, _ configuration: Task.Configuration,
                                   summary: (Task.Evaluation) -> String) throws {
        setlinebuf(stdout)   // keep printed lines in order with the progress reporter's writes
        try reportingErrors {
            let communicator = try ProcessGroup.join(collectiveTimeout: shared.collectiveTimeout)
            try abortingAllRanks(communicator) {
                try train(task, configuration, communicator: communicator, summary: summary)
            }
            (communicator as? MPICommunicator)?.finish()
        }
    }

    /// One rank's (or the one process's) training; rank 0 alone prints, writes the run
    /// folder and the report.
    func train<Task: TrainingTask>(_ task: Task.Type, _ configuration: Task.Configuration, communicator: any Communicator,
                                   summary: (Task.Evaluation) -> String) throws {
        let root = communicator.isRoot
        func say(_ line: String) { if root { print(line) } }
        let device = shared.device == "auto" ? "gpu\(ProcessGroup.localRank)" : shared.device
        let backend = try makeBackend(device: device)
        say("device: \(backend.name)" + (communicator.size > 1 ? " (rank 0 of \(communicator.size) processes)" : ""))
        let directory = URL(fileURLWithPath: shared.runFolder)
        try (configuration as? BraTSRunConfiguration)?.prepareDataOnce(communicator: communicator, say: say)
        if root { try recordDevice(backend, in: directory) }
        let parallel = DataParallel(communicator: communicator, microBatches: shared.accumulate, libraryAllReduce: shared.mpiAllreduce)
        let run = TrainingRun<Task>(configuration: configuration, backend: backend, directory: directory, parallel: parallel) { say($0) }
        run.dataLoading = try brats.dataLoading()
        // Under mpirun every rank would have to stop after the same step; mpirun forwards the signal and ends them instead.
        run.stopSignals = communicator.size == 1 ? StopSignals() : nil
        let trainer: Task.Trainer, evaluation: Task.Evaluation?
        do {
            (trainer, evaluation) = try run.run(resume: shared.resume, replace: shared.replacesEarlierRun, stopAfterStep: shared.stopAfter)
        } catch let error as TrainingError {
            if case let .interrupted(_, signal, _) = error {
                // The shell's convention for a process ended by a signal: 130 after Ctrl-C.
                FileHandle.standardError.write(Data("mckd: \(error)\n".utf8))
                throw ExitCode(128 + signal)
            }
            if root, case .nonFinite = error, let url = try? writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend) {
                print("report of the stopped run: \(url.path)")
            }
            throw error
        }
        guard root else { return }
        let weights = try trainer.importanceWeights()
        print("importance weights: " + zip(Task.Configuration.task.modalityNames, weights).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
        if let evaluation { print(summary(evaluation)) }
        print("\nrun folder: \(directory.path) (metrics.jsonl, checkpoint, evaluation.csv/json, report.html)")
        print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
    }

    /// The report's header names the device; the configuration does not hold it.
    func recordDevice(_ backend: any Backend, in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try (backend.name + "\n").write(to: directory.appendingPathComponent("device.txt"), atomically: true, encoding: .utf8)
    }
}
