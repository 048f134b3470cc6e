import MCKDEngine

/// The segmentation side of the meta steps (method.md section 5): the gated Dice + BCE
/// meta loss and the shared encoder's KD distances. The steps themselves are `MetaStepping`'s.
extension SegmentationTrainer: MetaStepping {
    typealias TrainingBatch = (input: Tensor, available: ModalitySet)
    typealias MetaBatch = (input: Tensor, targets: Tensor)

    var lookAheadParameters: [Parameter] { model.parameters }
    /// Instance norm keeps no running statistics.
    var lookAheadState: [Tensor] { [] }
    var distillationActive: Bool { settings.distillation != .none }
    var distillationScale: Float { settings.distillationWeight }
    var lookAheadRadius: Float { settings.lookAheadRadius }

    /// dL_meta/dtheta_w of the gated fusion on a meta-validation batch with every
    /// modality present, and L_meta. With `throughEncoder`, the parameters' gradients
    /// become grad_theta L_meta as well.
    func metaGradient(meta: (input: Tensor, targets: Tensor), throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        let (logits, _) = try model.forward(meta.input, available: .all(model.architecture.modalities), gateWeights: weights)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: meta.targets)
        try backend.axpy(alpha: 1, x: crossEntropy, y: dice)
        guard let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder) else {
            throw EngineError.invalidArgument("gated forward produced no weight gradient")
        }
        return (try ModalityGate.thetaGradient(weights: weights, gradWeights: gradWeights, backend: backend), dice)
    }

    func distillationDistances(_ batch: (input: Tensor, available: ModalitySet)) throws -> Tensor {
        let bottleneck = try model.encode(batch.input, available: batch.available).last!
        return try distillationLoss(bottleneck, available: batch.available, withGradient: false).distances
    }
}
