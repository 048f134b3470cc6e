import MCKDData
import MCKDEngine

/// The AV-MNIST side of the meta steps (method.md section 5): the gated cross-entropy on
/// a meta-validation batch and the KD distances of the projected features.
extension AVMNISTTrainer: MetaStepping {
    /// The training batch and its filled features at theta.
    typealias TrainingBatch = (input: AVMNISTInput, filled: Tensor)
    typealias MetaBatch = AVMNISTInput

    func metaGradient(meta: AVMNISTInput, pass: Int, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        model.headDropout.stream = Self.dropoutStream(step: step, metaPass: pass)
        let (logits, _) = try model.forward(meta, gateWeights: weights)
        let (loss, gradLogits) = try taskLoss(logits: logits, labels: meta.labels)
        let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder)
        return (try thetaGradient(weights: weights, gatedGradient: gradWeights), loss)
    }

    func lookAheadDistances(_ batch: TrainingBatch, teacherAtTheta: Bool) throws -> Tensor {
        let filled = try model.encode(batch.input).filled
        return try distillationLoss(filled, availability: batch.input.availability, withGradient: false,
                                    teacher: teacherAtTheta ? batch.filled : nil).distances
    }
}
