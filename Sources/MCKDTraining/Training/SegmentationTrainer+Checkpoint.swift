import MCKDEngine

extension SegmentationTrainer {
    /// Everything needed to continue training bit for bit: parameters, momentum
    /// buffers, theta_w and its Adam state, the step. (Dropout draws and crop sampling
    /// are functions of (seed, step) or replayed, so they need no state.)
    public func checkpoint(metadata: [String: String]) throws -> Checkpoint {
        try TrainingState.checkpoint(stateTensors, importance: importance, step: step, metadata: metadata, backend: backend)
    }

    /// Loads a checkpoint written by `checkpoint(metadata:)` for the same architecture.
    public func restore(from checkpoint: Checkpoint, file: String) throws {
        step = try TrainingState.restore(stateTensors, importance: importance, from: checkpoint, file: file, backend: backend)
    }

    /// Parameters and their momentum buffers, by checkpoint name.
    private var stateTensors: [(String, Tensor)] {
        zip(model.parameters, momentumBuffers).flatMap { parameter, buffer in
            [(parameter.name, parameter.value), ("\(parameter.name).momentum", buffer)]
        }
    }

    /// softmax(theta_w) on the host, for logging (M floats come back).
    public func importanceWeights() throws -> [Float] {
        try backend.download(try importance.weights())
    }
}
