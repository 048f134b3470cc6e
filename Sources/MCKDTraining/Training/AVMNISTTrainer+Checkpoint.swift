import MCKDEngine

extension AVMNISTTrainer {
    /// Everything needed to continue training bit for bit: parameters, Adam moments,
    /// batch-norm running statistics, theta_w and its Adam state, the step. (Dropout draws,
    /// head dropout masks and batch order are functions of (seed, step), so need no state.)
    public func checkpoint(metadata: [String: String]) throws -> Checkpoint {
        try TrainingState.checkpoint(stateTensors, importance: importance, step: step, metadata: metadata, backend: backend)
    }

    /// Loads a checkpoint written by `checkpoint(metadata:)` for the same architecture.
    public func restore(from checkpoint: Checkpoint, file: String) throws {
        step = try TrainingState.restore(stateTensors, importance: importance, from: checkpoint, file: file, backend: backend)
    }

    /// Parameters with their Adam moments, then batch-norm running statistics, by checkpoint name.
    private var stateTensors: [(String, Tensor)] {
        model.parameters.enumerated().flatMap { index, parameter in
            [(parameter.name, parameter.value), ("\(parameter.name).adam.m", firstMoments[index]),
             ("\(parameter.name).adam.v", secondMoments[index])]
        } + model.runningStatistics.map { ($0.name, $0.tensor) }
    }

    /// softmax(theta_w) on the host, for logging (2 floats come back).
    public func importanceWeights() throws -> [Float] {
        try backend.download(try importance.weights())
    }
}
