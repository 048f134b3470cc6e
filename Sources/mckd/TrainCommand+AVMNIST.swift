import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining

/// `mckd train --task avmnist`: the AV-MNIST classifier with the both / image / audio
/// accuracy table at the end.
extension TrainCommand {
    /// Epochs when neither --epochs nor --steps is given: a few minutes on PoCL on 2 cores.
    static let defaultAVMNISTEpochs = 40

    func avmnistConfiguration() throws -> AVMNISTRunConfiguration {
        guard arch == "small" || arch == "avmnist" else { throw ValidationError("--arch \(arch) is a BraTS architecture; avmnist has one model") }
        guard channels == nil else { throw ValidationError("--channels is for --task brats --arch small; avmnist has one model") }
        guard !perSampleModalities, !fillSkips else {
            throw ValidationError("--per-sample-modalities and --fill-skips are for --task brats (AV-MNIST's sets are per sample already; it has no skips)")
        }
        guard data == GeneratedData.anatomical else {
            throw ValidationError("--data is for brats; AV-MNIST reads its cache \(AVMNISTCache.defaultFile().path), built by scripts/setup-avmnist")
        }
        guard epochs == nil || steps == nil else { throw ValidationError("give --epochs or --steps, not both") }
        for (name, rate) in [("--audio-rate", audioRate), ("--visual-rate", visualRate)] where !(rate > 0 && rate <= 100) {
            throw ValidationError("\(name) \(rate): a percentage in (0, 100]")
        }
        var configuration = AVMNISTRunConfiguration()
        configuration.batchSize = batch ?? 64
        configuration.audioRate = audioRate == 100 ? nil : audioRate
        configuration.visualRate = visualRate == 100 ? nil : visualRate
        configuration.metaValidationSize = metaValSize ?? 10
        configuration.checkpointEvery = max(1, checkpointEvery ?? 200)
        configuration.training.learningRate = lr ?? 1e-3
        configuration.training.seed = seed
        configuration.training.distillation = kd
        configuration.training.distillationWeight = kdWeight
        try setMetaSchedule(&configuration.training)
        do {
            try configuration.setLength(epochs: steps == nil ? (epochs ?? Self.defaultAVMNISTEpochs) : nil, steps: steps)
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.training.warmupSteps = try warmupSteps(of: configuration.training.steps)
        return configuration
    }

    func runAVMNIST() throws {
        let configuration = try avmnistConfiguration()
        setlinebuf(stdout)
        try reportingErrors {
            let backend = try makeBackend(device: device)
            print("device: \(backend.name)")
            let directory = URL(fileURLWithPath: out)
            try recordDevice(backend, in: directory)
            let run = AVMNISTTrainingRun(configuration: configuration, backend: backend, directory: directory) { print($0) }
            let (trainer, evaluation) = try run.run(resume: resume)
            let weights = try trainer.importanceWeights()
            print("importance weights: " + zip(AVMNISTModel.modalityNames, weights).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
            if let evaluation {
                let rates = "audio rate \(configuration.audioRate.map { "\($0)%" } ?? "100%"), visual rate \(configuration.visualRate.map { "\($0)%" } ?? "100%")"
                print("\nAV-MNIST test accuracy on \(evaluation.sampleCount) pairs (trained at \(rates)):")
                print(evaluation.formatted())
            }
            print("\nrun folder: \(directory.path) (metrics.jsonl, checkpoint, evaluation.csv/json, report.html)")
            print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
        }
    }
}
