import MCKDEngine

extension AVMNISTTrainer {
    /// Everything needed to continue training bit for bit: parameters, Adam moments,
    /// batch-norm running statistics, theta_w and its Adam state, the step. (Dropout draws,
    /// head dropout masks and batch order are functions of (seed, step), so need no state.)
    public func checkpoint(metadata: [String: String]) throws -> Checkpoint {
        var tensors: [Checkpoint.Entry] = []
        func add(_ name: String, _ tensor: Tensor) throws {
            tensors.append(.init(name: name, shape: tensor.shape.dims, values: try backend.download(tensor)))
        }
        for (index, parameter) in model.parameters.enumerated() {
            try add(parameter.name, parameter.value)
            try add("\(parameter.name).adam.m", firstMoments[index])
            try add("\(parameter.name).adam.v", secondMoments[index])
        }
        for (name, tensor) in model.runningStatistics { try add(name, tensor) }
        for (name, tensor) in importance.stateTensors() { try add(name, tensor) }
        var info = metadata
        info["importanceUpdates"] = String(importance.updates)
        return Checkpoint(step: step, metadata: info, tensors: tensors)
    }

    /// Loads a checkpoint written by `checkpoint(metadata:)` for the same architecture.
    public func restore(from checkpoint: Checkpoint, file: String) throws {
        func load(_ name: String, into tensor: Tensor) throws {
            let entry = try checkpoint.tensor(name, file: file)
            guard entry.shape == tensor.shape.dims else {
                throw CheckpointError.incompatible(file: file, reason: "'\(name)' has shape \(entry.shape), this model needs \(tensor.shape.dims)")
            }
            try backend.copy(try backend.upload(entry.values, shape: tensor.shape), to: tensor)
        }
        for (index, parameter) in model.parameters.enumerated() {
            try load(parameter.name, into: parameter.value)
            try load("\(parameter.name).adam.m", into: firstMoments[index])
            try load("\(parameter.name).adam.v", into: secondMoments[index])
        }
        for (name, tensor) in model.runningStatistics { try load(name, into: tensor) }
        for (name, tensor) in importance.stateTensors() { try load(name, into: tensor) }
        guard let updates = checkpoint.metadata["importanceUpdates"].flatMap(Int.init) else {
            throw CheckpointError.corrupt(file: file, reason: "no importanceUpdates entry")
        }
        importance.restoreUpdates(updates)
        step = checkpoint.step
    }

    /// softmax(theta_w) on the host, for logging (2 floats come back).
    public func importanceWeights() throws -> [Float] {
        try backend.download(try importance.weights())
    }
}
