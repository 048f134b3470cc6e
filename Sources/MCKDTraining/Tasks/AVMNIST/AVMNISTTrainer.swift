import Foundation
import MCKDData
import MCKDEngine

/// AV-MNIST's own training settings (method.md section 4's by default): Adam with L2
/// weight decay and a step decay counted in epochs.
public struct AVMNISTTrainingOptions: TaskTrainingOptions {
    /// Batches per epoch: the learning-rate schedule counts epochs.
    public var stepsPerEpoch = 1
    /// Adam (PyTorch's, L2 weight decay added to the gradient) on every network parameter.
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-2
    /// lr x `decayFactor` every `decayEveryEpochs` epochs.
    public var decayEveryEpochs = 20
    public var decayFactor: Float = 0.9

    public init() {}

    public func epoch(atStep step: Int) -> Int { step / max(1, stepsPerEpoch) }

    /// Step decay: lr * factor^floor(epoch / decayEveryEpochs).
    public func learningRate(atStep step: Int, steps: Int) -> Float {
        learningRate * Float(pow(Double(decayFactor), Double(epoch(atStep: step) / max(1, decayEveryEpochs))))
    }
}

/// The hyper-parameters of AV-MNIST training.
public typealias AVMNISTTrainingSettings = TrainingSettings<AVMNISTTrainingOptions>

extension TrainingSettings where Options == AVMNISTTrainingOptions {
    public init(steps: Int, stepsPerEpoch: Int) {
        self.init(steps: steps)
        options.stepsPerEpoch = stepsPerEpoch
    }

    public func epoch(atStep step: Int) -> Int { options.epoch(atStep: step) }
}

/// The loss parts of one AV-MNIST step, as one-element device tensors (download only to log).
public struct AVMNISTLosses {
    public let crossEntropy: Tensor
    public let distillation: Tensor?
    /// The batch's dropout draw (samples keep the drawn modalities they have).
    public let drawn: ModalitySet
    public let availability: PerSampleAvailability
    /// What the meta step did, when one ran.
    public let metaStep: MetaStepReport?
    /// The meta-validation loss of the meta step (mean over its passes), when one ran.
    public var meta: Tensor? { metaStep?.loss }
}

/// One MCKD training step on an AV-MNIST batch: modality dropout on top of the data's
/// rate masks (per-sample available sets), per-sample fill-in, cross-entropy, the
/// modality-weighted KD loss on the projected features, then the method's meta step and
/// an Adam update of the network (`finishStep`). Only the batch is uploaded; only logged
/// scalars come back.
public final class AVMNISTTrainer: MCKDTrainer {
    public let model: AVMNISTModel
    public let settings: AVMNISTTrainingSettings
    public let state: TrainerState

    /// The generator streams of the head's dropout masks: the training forward and the
    /// meta forwards (pass r of the meta step) of step s use distinct streams derived
    /// from (s, r) (resumable, no state).
    static func dropoutStream(step: Int, metaPass: Int?) -> UInt64 {
        guard let pass = metaPass else { return UInt64(step) &* 2 }
        return UInt64(step) &* 2 &+ 1 &+ (UInt64(pass) << 40)
    }

    /// - Parameters:
    ///   - model: the network to train (its parameters and statistics are updated in place).
    ///   - settings: the run's length, seed, the method's settings and the optimiser's.
    public init(model: AVMNISTModel, settings: AVMNISTTrainingSettings) throws {
        guard settings.steps >= 1, settings.stepsPerEpoch >= 1 else {
            throw EngineError.invalidArgument("AV-MNIST training needs steps >= 1 and stepsPerEpoch >= 1")
        }
        self.model = model
        self.settings = settings
        let optimizer = try NetworkOptimizer(.adam(AdamSettings(weightDecay: settings.weightDecay)),
                                             parameters: model.parameters, backend: model.backend)
        state = try TrainerState(method: settings.method, seed: settings.seed, modalities: AVMNISTModel.modalityNames.count,
                                 optimizer: optimizer, backend: model.backend)
    }

    var backend: any Backend { model.backend }

    /// The per-sample sets of a batch at the current step: each sample's own modalities
    /// (the rate masks) restricted to the step's dropout draw.
    public func availability(for batch: AVMNISTBatch) throws -> (drawn: ModalitySet, availability: PerSampleAvailability) {
        let drawn = dropout.subset(atStep: step)
        return (drawn, try PerSampleAvailability.restricting(try Self.ownSets(of: batch), to: drawn))
    }

    /// The modalities each sample of the batch has.
    public static func ownSets(of batch: AVMNISTBatch) throws -> [ModalitySet] {
        try (0..<batch.count).map { n in
            let members = [batch.imagePresent[n] != 0 ? 0 : nil, batch.audioPresent[n] != 0 ? 1 : nil].compactMap { $0 }
            guard !members.isEmpty else { throw EngineError.invalidArgument("AV-MNIST sample \(n) of the batch has no modality") }
            return try ModalitySet(members, of: 2)
        }
    }

    /// Trains on one batch on the device, uploaded with this step's available sets
    /// (`availability(for:)`, whose dropout draw is `drawn`). With meta-validation batches
    /// (the run gives R passes over its meta-validation pairs, from `metaInput`, when a
    /// meta step is due) theta_w is updated too, once per batch; the network's update is
    /// the same as without them.
    @discardableResult
    public func train(input: AVMNISTInput, drawn: ModalitySet, metaBatches: [AVMNISTInput]) throws -> AVMNISTLosses {
        let (crossEntropy, distillation, filled) = try computeTrainingGradient(input: input)
        let metaStep = try finishStep(training: [(input, filled)], metaBatches: metaBatches)
        return AVMNISTLosses(crossEntropy: crossEntropy, distillation: distillation, drawn: drawn, availability: input.availability,
                             metaStep: metaStep)
    }

    /// Uploads `batch` with this step's available sets and trains on it, with a meta step of
    /// R = `metaBatchCount` passes over `meta` when it is given.
    @discardableResult
    public func train(batch: AVMNISTBatch, meta: AVMNISTInput? = nil) throws -> AVMNISTLosses {
        let (drawn, availability) = try availability(for: batch)
        return try train(input: try AVMNISTInput(batch: batch, availability: availability, backend: backend), drawn: drawn,
                         metaBatches: meta.map { Array(repeating: $0, count: settings.metaBatchCount) } ?? [])
    }

    /// A meta-validation batch on the device; every sample must have both modalities.
    public func metaInput(_ batch: AVMNISTBatch) throws -> AVMNISTInput {
        try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(uniform: .all(2), samples: batch.count), backend: backend)
    }

    /// Forward and backward of L_train = CE + lambda L_kd: afterwards every parameter's
    /// gradient holds grad_theta L_train. Also returns the filled features (the KD
    /// features at theta).
    public func computeTrainingGradient(input: AVMNISTInput) throws -> (crossEntropy: Tensor, distillation: Tensor?, filled: Tensor) {
        model.headDropout.stream = Self.dropoutStream(step: step, metaPass: nil)
        let (logits, filled) = try model.forward(input)
        let (crossEntropy, gradLogits) = try taskLoss(logits: logits, labels: input.labels)
        var distillation: Tensor? = nil
        var gradFilled: Tensor? = nil
        if settings.distillation != nil {
            let kd = try distillationLoss(filled, availability: input.availability, withGradient: true)
            distillation = kd.loss
            gradFilled = kd.gradient
        }
        try model.backward(gradLogits: gradLogits, gradFilled: gradFilled)
        return (crossEntropy, distillation, filled)
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) for one batch at
    /// the current step, without updating anything (for tests and analysis).
    public func hypergradient(batch: AVMNISTBatch, metaBatch: AVMNISTBatch) throws -> Tensor {
        let input = try AVMNISTInput(batch: batch, availability: try availability(for: batch).availability, backend: backend)
        let filled = try computeTrainingGradient(input: input).filled
        return try hypergradient(training: (input, filled), meta: try metaInput(metaBatch))
    }

    /// Softmax cross-entropy (mean over the batch) and its gradient.
    public func taskLoss(logits: Tensor, labels: Tensor) throws -> (loss: Tensor, gradient: Tensor) {
        let loss = try backend.makeTensor(shape: [1]), gradient = try backend.makeTensor(shape: logits.shape)
        try backend.softmaxCrossEntropyLoss(logits: logits, labels: labels, loss: loss, gradLogits: gradient)
        return (loss, gradient)
    }
}
