import MCKDEngine

/// The segmentation side of the meta steps (method.md section 5): the gated Dice + BCE
/// meta loss and the shared encoder's KD distances. The steps themselves are `MetaStepping`'s.
extension SegmentationTrainer: MetaStepping {
    /// The training batch, its available sets and its bottleneck at theta (before fill-in).
    typealias TrainingBatch = (input: Tensor, availability: PerSampleAvailability, bottleneck: Tensor)
    /// A meta-validation batch and the modalities its case has (all, for complete data).
    typealias MetaBatch = (input: Tensor, targets: Tensor, available: ModalitySet)

    /// dL_meta/dtheta_w of the gated fusion on a meta-validation batch with every
    /// modality its case has present, and L_meta. With `throughEncoder`, the parameters'
    /// gradients become grad_theta L_meta as well.
    func metaGradient(meta: MetaBatch, pass: Int, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        let (logits, _) = try model.forward(meta.input, available: meta.available, gateWeights: weights)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: meta.targets)
        try backend.axpy(alpha: 1, x: crossEntropy, y: dice)
        let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder)
        return (try thetaGradient(weights: weights, gatedGradient: gradWeights), dice)
    }

    func lookAheadDistances(_ batch: TrainingBatch, teacherAtTheta: Bool) throws -> Tensor {
        let bottleneck = try model.encode(batch.input, availability: batch.availability).last!
        return try distillationLoss(bottleneck, availability: batch.availability, withGradient: false,
                                    teacher: teacherAtTheta ? batch.bottleneck : nil).distances
    }
}
