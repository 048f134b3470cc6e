import MCKDEngine

/// A trainer's state as a checkpoint and back: everything needed to continue training
/// bit for bit. Per parameter its value and the optimiser's state ("name.momentum";
/// "name.adam.m", "name.adam.v"), then running statistics, then theta_w and its Adam;
/// the step, and theta_w's counters as metadata. Dropout draws, head dropout masks and
/// data order are functions of (seed, step) or replayed, so they need no state.
extension MCKDTrainer {
    public func checkpoint(metadata: [String: String]) throws -> Checkpoint {
        let backend = model.backend
        let tensors = try (trainingTensors + importance.stateTensors()).map { name, tensor in
            Checkpoint.Entry(name: name, shape: tensor.shape.dims, values: try backend.download(tensor))
        }
        let info = metadata.merging(importance.counterMetadata()) { _, counter in counter }
        return Checkpoint(step: step, metadata: info, tensors: tensors)
    }

    /// Loads a checkpoint written by `checkpoint(metadata:)` for the same architecture.
    public func restore(from checkpoint: Checkpoint, file: String) throws {
        try checkpoint.load(trainingTensors + importance.stateTensors(), file: file, backend: model.backend)
        try importance.restoreCounters(from: checkpoint.metadata, file: file)
        state.step = checkpoint.step
    }

    /// The network's tensors and the optimiser's, by checkpoint name, in file order.
    private var trainingTensors: [(String, Tensor)] {
        zip(model.parameters, state.optimizer.state).flatMap { parameter, buffers in
            [(parameter.name, parameter.value)] + buffers.map { ("\(parameter.name).\($0.suffix)", $0.tensor) }
        } + model.runningStatistics.map { ($0.name, $0.tensor) }
    }
}

extension Checkpoint {
    /// Loads a model's weights (parameters and running statistics), and nothing of the
    /// training state: for evaluation and prediction.
    public func loadWeights(into model: some TrainableModel, file: String) throws {
        try load(model.parameters.map { ($0.name, $0.value) } + model.runningStatistics.map { ($0.name, $0.tensor) },
                 file: file, backend: model.backend)
    }

    /// Copies every named tensor from the checkpoint to the device, after checking the
    /// checkpoint holds them all with these shapes.
    func load(_ named: [(String, Tensor)], file: String, backend: any Backend) throws {
        try checkLayout(named.map(\.0), file: file)
        for (name, tensor) in named {
            let entry = try self.tensor(name, file: file)
            guard entry.shape == tensor.shape.dims else {
                throw CheckpointError.incompatible(file: file, reason: "'\(name)' has shape \(entry.shape), this model needs \(tensor.shape.dims)")
            }
            try backend.copy(try backend.upload(entry.values, shape: tensor.shape), to: tensor)
        }
    }

    /// A clear error when the checkpoint's tensors are not this model's: which names are
    /// missing and which are left over (a model of another layout, e.g. one saved before
    /// the decoder's skip blocks gained their norms).
    private func checkLayout(_ names: [String], file: String) throws {
        let held = tensors.map(\.name), heldSet = Set(held), wanted = Set(names)
        let missing = names.filter { !heldSet.contains($0) }
        guard !missing.isEmpty else { return }
        // Training state (optimiser, theta_w) is not "left over" when only weights are loaded.
        let extra = held.filter { !wanted.contains($0) && !$0.hasPrefix("theta_w") && !Self.isOptimizerState($0, of: wanted) }
        func list(_ names: [String]) -> String {
            names.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 3 ? " and \(names.count - 3) more" : "")
        }
        throw CheckpointError.incompatible(
            file: file, reason: "its tensors do not match this model's layout: this model needs \(list(missing)), which it lacks"
                + (extra.isEmpty ? "" : "; it holds \(list(extra)), which this model does not have")
                + " (a checkpoint of another architecture, or one written before the decoder's skip blocks gained their"
                + " instance norms: train the model again)")
    }

    /// "p.momentum", "p.adam.m", "p.adam.v" of a parameter p that is wanted.
    private static func isOptimizerState(_ name: String, of wanted: Set<String>) -> Bool {
        ["momentum", "adam.m", "adam.v"].contains { suffix in
            name.hasSuffix("." + suffix) && wanted.contains(String(name.dropLast(suffix.count + 1)))
        }
    }
}
