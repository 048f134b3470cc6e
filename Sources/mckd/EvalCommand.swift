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
    @Option(help: "Evaluate every labelled case of this BraTS folder instead of the run's test split.")
    var data: String?
    @Option(help: "Device: cpu or gpuN.")
    var device = "gpu0"

    func run() throws {
        setlinebuf(stdout)
        try reportingErrors {
            let backend = try makeBackend(device: device)
            let directory = URL(fileURLWithPath: runDirectory)
            if try AVMNISTTrainedRun.task(ofRunAt: directory) == "avmnist" { return try evaluateAVMNIST(directory, backend: backend) }
            let trained = try TrainedRun(directory: directory, backend: backend)
            let volumes: [BraTSVolume]
            if let data {
                let dataset = try BraTSDataset(scanning: URL(fileURLWithPath: data))
                volumes = try dataset.cases.filter(\.hasSegmentation).map { try BraTSCaseLoader.load($0, requireSegmentation: true) }
            } else {
                volumes = try BraTSTrainingRun(configuration: trained.configuration, backend: backend, directory: directory) { print($0) }
                    .loadSplit().test
            }
            print("evaluating step \(trained.step) of \(directory.path) on \(volumes.count) cases on \(backend.name)")
            let table = try SegmentationEvaluator(model: trained.model, tile: trained.configuration.crop).evaluate(volumes)
            print(TerminalDiceTable.render(table, colour: TerminalDiceTable.colourEnabled()))
            try TrainingRunFolder.writeEvaluation(table, csv: table.csv(), in: directory)
            print("written: \(directory.path)/evaluation.{csv,json}")
            print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
        }
    }

    /// AV-MNIST: accuracy with both modalities, the image only and the audio only on the run's test pairs.
    func evaluateAVMNIST(_ directory: URL, backend: any Backend) throws {
        guard data == nil else { throw ValidationError("--data is for BraTS runs; an AV-MNIST run reads its cache") }
        let trained = try AVMNISTTrainedRun(directory: directory, backend: backend)
        let run = AVMNISTTrainingRun(configuration: trained.configuration, backend: backend, directory: directory) { print($0) }
        let dataset = try run.loadData()
        print("evaluating step \(trained.step) of \(directory.path) on \(dataset.test.count) AV-MNIST test pairs on \(backend.name)")
        let evaluation = try AVMNISTTrainingRun.evaluate(model: trained.model, data: dataset, configuration: trained.configuration, into: directory)
        print(evaluation.formatted())
        print("written: \(directory.path)/evaluation.{csv,json}")
        print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
    }
}
