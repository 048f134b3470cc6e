import MCKDEngine

/// Checkpoint writing and reading shared by the trainers: each names the device
/// tensors its training state consists of (parameters, optimiser buffers, running
/// statistics); theta_w's state and its update count are added here.
enum TrainingState {
    static func checkpoint(_ named: [(String, Tensor)], importance: ImportanceWeights, step: Int,
                           metadata: [String: String], backend: any Backend) throws -> Checkpoint {
        let tensors = try (named + importance.stateTensors()).map { name, tensor in
            Checkpoint.Entry(name: name, shape: tensor.shape.dims, values: try backend.download(tensor))
        }
        let info = metadata.merging(importance.counterMetadata()) { _, counter in counter }
        return Checkpoint(step: step, metadata: info, tensors: tensors)
    }

    /// Loads every named tensor and theta_w's state; returns the checkpoint's step.
    static func restore(_ named: [(String, Tensor)], importance: ImportanceWeights, from checkpoint: Checkpoint,
                        file: String, backend: any Backend) throws -> Int {
        try checkLayout(named.map(\.0), of: checkpoint, file: file)
        for (name, tensor) in named + importance.stateTensors() {
            let entry = try checkpoint.tensor(name, file: file)
            guard entry.shape == tensor.shape.dims else {
                throw CheckpointError.incompatible(file: file, reason: "'\(name)' has shape \(entry.shape), this model needs \(tensor.shape.dims)")
            }
            try backend.copy(try backend.upload(entry.values, shape: tensor.shape), to: tensor)
        }
        try importance.restoreCounters(from: checkpoint.metadata, file: file)
        return checkpoint.step
    }

    /// A clear error when the checkpoint's tensors are not this model's: which names are
    /// missing and which are left over (a model of another layout, e.g. one saved before
    /// the decoder's skip blocks gained their norms).
    private static func checkLayout(_ names: [String], of checkpoint: Checkpoint, file: String) throws {
        let held = checkpoint.tensors.map(\.name), heldSet = Set(held), wanted = Set(names)
        let missing = names.filter { !heldSet.contains($0) }
        guard !missing.isEmpty else { return }
        let extra = held.filter { !wanted.contains($0) && !$0.hasPrefix("theta_w") }
        func list(_ names: [String]) -> String {
            names.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 3 ? " and \(names.count - 3) more" : "")
        }
        throw CheckpointError.incompatible(
            file: file, reason: "its tensors do not match this model's layout: this model needs \(list(missing)), which it lacks"
                + (extra.isEmpty ? "" : "; it holds \(list(extra)), which this model does not have")
                + " (a checkpoint of another architecture, or one written before the decoder's skip blocks gained their"
                + " instance norms: train the model again)")
    }
}
