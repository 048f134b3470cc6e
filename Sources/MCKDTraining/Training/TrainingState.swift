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
        var info = metadata
        info["importanceUpdates"] = String(importance.updates)
        return Checkpoint(step: step, metadata: info, tensors: tensors)
    }

    /// Loads every named tensor and theta_w's state; returns the checkpoint's step.
    static func restore(_ named: [(String, Tensor)], importance: ImportanceWeights, from checkpoint: Checkpoint,
                        file: String, backend: any Backend) throws -> Int {
        for (name, tensor) in named + importance.stateTensors() {
            let entry = try checkpoint.tensor(name, file: file)
            guard entry.shape == tensor.shape.dims else {
                throw CheckpointError.incompatible(file: file, reason: "'\(name)' has shape \(entry.shape), this model needs \(tensor.shape.dims)")
            }
            try backend.copy(try backend.upload(entry.values, shape: tensor.shape), to: tensor)
        }
        guard let updates = checkpoint.metadata["importanceUpdates"].flatMap(Int.init) else {
            throw CheckpointError.corrupt(file: file, reason: "no importanceUpdates entry")
        }
        importance.restoreUpdates(updates)
        return checkpoint.step
    }
}
