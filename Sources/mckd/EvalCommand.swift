import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDReport
import MCKDTraining

/// `mckd eval`: the missing-modality Dice table of a trained run.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained run on every subset of modalities (BraTS: 15 x {ET, TC, WT} Dice table; AV-MNIST: both / image / audio accuracy).")

    @Option(name: .customLong("run"), help: "Run folder written by `mckd train`.")
    var runDirectory: String
    @Option(help: "Evaluate every labelled case of this folder (any layout `mckd train --data` reads) instead of the run's test split; a case lacking modalities is scored on the subsets of those it has.")
    var data: String?
    @Option(help: "Device: cpu, gpuN or auto (gpu{local rank} under mpirun, else gpu0).")
    var device = "gpu0"
    @Option(help: "Under mpirun: seconds one collective may wait for the other processes before every one is aborted.")
    var collectiveTimeout: Double = 300

    func validate() throws {
        try OptionCheck.collectiveTimeout(collectiveTimeout)
    }

    /// Under mpirun (BraTS) every rank scores its share of the cases; rank 0 prints and
    /// writes the table, the same bits as one process.
    func run() throws {
        setlinebuf(stdout)
        try reportingErrors {
            let communicator = try ProcessGroup.join(collectiveTimeout: collectiveTimeout)
            try abortingAllRanks(communicator) {
                let device = self.device == "auto" ? "gpu\(ProcessGroup.localRank)" : self.device
                let backend = try makeBackend(device: device)
                let directory = URL(fileURLWithPath: runDirectory)
                switch try RunConfiguration.read(from: directory).task {
                case .brats: try evaluateBraTS(directory, backend: backend, communicator: communicator)
                case .avmnist:
                    guard communicator.size == 1 else { throw ValidationError("evaluate an AV-MNIST run in one process (450 test pairs take seconds)") }
                    try evaluateAVMNIST(directory, backend: backend)
                }
                guard communicator.isRoot else { return }
                print("written: \(directory.path)/evaluation.{csv,json}")
                print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
            }
            (communicator as? MPICommunicator)?.finish()
        }
    }

    /// BraTS: the 15-subset Dice table on the run's test split, or on every labelled case of --data.
    func evaluateBraTS(_ directory: URL, backend: any Backend, communicator: any Communicator) throws {
        func say(_ line: String) { if communicator.isRoot { print(line) } }
        let trained = try TrainedRun<BraTSTask>(directory: directory, backend: backend)
        // Cases are read one at a time as they are scored: memory does not grow with their number.
        let cases: [BraTSCase]
        if let data {
            cases = try BraTSDataset(scanning: URL(fileURLWithPath: data)).cases.filter(\.hasSegmentation)
        } else {
            try trained.configuration.prepareDataOnce(communicator: communicator, say: say)
            cases = try trained.configuration.loadSplit(say: say).test
        }
        guard !cases.isEmpty else {
            throw ValidationError(data.map { "\($0): no labelled case to evaluate (each case needs its segmentation file)" }
                                  ?? "\(directory.path): the run holds out no test cases (trained with --test-size 0); evaluate with --data FOLDER")
        }
        let incomplete = cases.filter { !$0.isComplete }.count
        say("evaluating step \(trained.step) of \(directory.path) on \(cases.count) cases on \(backend.name)"
            + (communicator.size > 1 ? ", shared by \(communicator.size) processes" : "")
            + (incomplete > 0 ? " (\(incomplete) lack some modalities: each is scored on the subsets of those it has)" : ""))
        let table = try SegmentationEvaluator(model: trained.model, tile: trained.configuration.crop).evaluate(cases: cases, communicator: communicator)
        guard communicator.isRoot else { return }
        print(TerminalDiceTable.render(table, colour: TerminalDiceTable.colourEnabled()))
        try RunDirectory.writeEvaluation(table, in: directory)
    }

    /// AV-MNIST: accuracy with both modalities, the image only and the audio only on the run's test pairs.
    func evaluateAVMNIST(_ directory: URL, backend: any Backend) throws {
        guard data == nil else { throw ValidationError("--data is for BraTS runs; an AV-MNIST run reads its cache") }
        let trained = try TrainedRun<AVMNISTTask>(directory: directory, backend: backend)
        let dataset = try trained.configuration.loadData()
        print("evaluating step \(trained.step) of \(directory.path) on \(dataset.test.count) AV-MNIST test pairs on \(backend.name)")
        let evaluation = try AVMNISTTask.evaluate(model: trained.model, data: dataset, configuration: trained.configuration)
        print(evaluation.formatted())
        try RunDirectory.writeEvaluation(evaluation, in: directory)
    }
}
