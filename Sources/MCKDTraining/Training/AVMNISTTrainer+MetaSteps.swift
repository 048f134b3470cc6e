import MCKDData
import MCKDEngine

/// The AV-MNIST side of the meta steps (method.md section 5): the gated cross-entropy on
/// a meta-validation batch and the KD distances of the projected features.
extension AVMNISTTrainer: MetaStepping {
    /// The training batch and its filled features at theta.
    typealias TrainingBatch = (input: AVMNISTInput, filled: Tensor)
    typealias MetaBatch = AVMNISTInput

    var lookAheadParameters: [Parameter] { model.parameters }
    /// Batch norms' running statistics: the look-ahead's forward passes must not move them.
    var lookAheadState: [Tensor] { model.runningStatistics.map(\.tensor) }
    var distillationActive: Bool { settings.distillation != .none }
    var distillationScale: Float { settings.distillationWeight }
    var lookAheadRadius: Float { settings.lookAheadRadius }
    var detachedTeacher: Bool { settings.detachTeacher }

    func metaGradient(meta: AVMNISTInput, pass: Int, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        model.dropout.stream = Self.dropoutStream(step: step, metaPass: pass)
        let (logits, _) = try model.forward(meta, gateWeights: weights)
        let (loss, gradLogits) = try taskLoss(logits: logits, labels: meta.labels)
        guard let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder) else {
            throw EngineError.invalidArgument("gated forward produced no weight gradient")
        }
        return (try ModalityGate.thetaGradient(weights: weights, gradWeights: gradWeights, backend: backend), loss)
    }

    func lookAheadDistances(_ batch: TrainingBatch, teacherAtTheta: Bool) throws -> Tensor {
        let filled = try model.encode(batch.input).filled
        return try distillationLoss(filled, availability: batch.input.availability, withGradient: false,
                                    teacher: teacherAtTheta ? batch.filled : nil).distances
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) for one batch at
    /// the current step, without updating anything (for tests and analysis).
    public func hypergradient(batch: AVMNISTBatch, metaBatch: AVMNISTBatch) throws -> Tensor {
        let input = try AVMNISTInput(batch: batch, availability: try availability(for: batch).availability, backend: backend)
        let filled = try computeTrainingGradient(input: input).filled
        let result = try bilevelHypergradient(training: (input, filled), meta: try metaInput(metaBatch),
                                              lookAhead: settings.learningRate(atStep: step))
        guard let gradient = result.gradient else { throw EngineError.invalidArgument("no hypergradient: ||v|| is not finite") }
        return gradient
    }
}
