import MCKDData
import MCKDEngine

/// The AV-MNIST side of the meta steps (method.md section 5): the gated cross-entropy on
/// a meta-validation batch and the KD distances of the projected features.
extension AVMNISTTrainer: MetaStepping {
    typealias TrainingBatch = AVMNISTInput
    typealias MetaBatch = AVMNISTInput

    var lookAheadParameters: [Parameter] { model.parameters }
    /// Batch norms' running statistics: the look-ahead's forward passes must not move them.
    var lookAheadState: [Tensor] { model.runningStatistics.map(\.tensor) }
    var distillationActive: Bool { settings.distillation != .none }
    var distillationScale: Float { settings.distillationWeight }
    var lookAheadRadius: Float { settings.lookAheadRadius }

    func metaGradient(meta: AVMNISTInput, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        model.dropout.stream = Self.dropoutStream(step: step, meta: true)
        let (logits, _) = try model.forward(meta, gateWeights: weights)
        let (loss, gradLogits) = try taskLoss(logits: logits, labels: meta.labels)
        guard let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder) else {
            throw EngineError.invalidArgument("gated forward produced no weight gradient")
        }
        return (try ModalityGate.thetaGradient(weights: weights, gradWeights: gradWeights, backend: backend), loss)
    }

    func distillationDistances(_ batch: AVMNISTInput) throws -> Tensor {
        let filled = try model.encode(batch).filled
        return try distillationLoss(filled, availability: batch.availability, withGradient: false).distances
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) for one batch at
    /// the current step, without updating anything (for tests and analysis).
    public func hypergradient(batch: AVMNISTBatch, metaBatch: AVMNISTBatch) throws -> Tensor {
        let input = try AVMNISTInput(batch: batch, availability: try availability(for: batch).availability, backend: backend)
        _ = try computeTrainingGradient(input: input)
        return try bilevelHypergradient(training: input, meta: try metaInput(metaBatch),
                                        lookAhead: settings.learningRate(atStep: step)).gradient
    }
}
