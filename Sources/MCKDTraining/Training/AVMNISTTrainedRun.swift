import Foundation
import MCKDEngine

/// A finished (or checkpointed) AV-MNIST run loaded back, for `mckd eval`.
public struct AVMNISTTrainedRun {
    public let configuration: AVMNISTRunConfiguration
    public let model: AVMNISTModel
    public let step: Int

    public init(directory: URL, backend: any Backend) throws {
        configuration = try readRunConfiguration(AVMNISTRunConfiguration.self, in: directory, describedAs: "an AV-MNIST run configuration")
        let checkpointURL = directory.appendingPathComponent("checkpoint")
        let checkpoint = try Checkpoint.read(from: checkpointURL)
        model = try AVMNISTModel(backend, architecture: configuration.architecture, seed: configuration.training.seed)
        let trainer = try AVMNISTTrainer(model: model, settings: configuration.training)
        try trainer.restore(from: checkpoint, file: checkpointURL.path)
        step = checkpoint.step
    }

    /// The task a run folder holds: "avmnist", or "brats" for configurations without a
    /// task key (BraTS runs predate it).
    public static func task(ofRunAt directory: URL) throws -> String {
        let url = directory.appendingPathComponent("configuration.json")
        guard let data = try? Data(contentsOf: url) else {
            throw TrainingError.unusableRunFolder("\(url.path) is missing: is \(directory.path) a run folder written by `mckd train`?")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TrainingError.unusableRunFolder("\(url.path) is not a JSON object")
        }
        return object["task"] as? String ?? "brats"
    }
}
