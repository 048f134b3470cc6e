import Foundation
import MCKDEngine

/// A run folder loaded back for evaluation, prediction and reports: its configuration and
/// its model with the checkpoint's weights. No trainer is made: the optimiser's state and
/// theta_w stay in the file.
public struct TrainedRun<Task: TrainingTask> {
    public let configuration: Task.Configuration
    public let model: Task.Configuration.Model
    /// The step the checkpoint was written after.
    public let step: Int

    /// Reads RUN_DIR/configuration.json and RUN_DIR/checkpoint; clear errors when either
    /// is missing, corrupt, of another task or does not match, or when they carry two run IDs.
    public init(directory: URL, backend: any Backend) throws {
        configuration = try RunConfiguration.read(Task.Configuration.self, from: directory)
        let checkpointURL = directory.appendingPathComponent("checkpoint")
        let checkpoint = try Checkpoint.read(from: checkpointURL)
        try RunID.requireSameRun(checkpoint, file: checkpointURL, directory: directory)
        model = try configuration.makeModel(backend: backend)
        try checkpoint.loadWeights(into: model, file: checkpointURL.path)
        step = checkpoint.step
    }
}
