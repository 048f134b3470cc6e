import Foundation
import MCKDData
import MCKDEngine

/// The hyper-parameters of AV-MNIST training (method.md section 4's by default).
public struct AVMNISTTrainingSettings: Codable, Equatable, Sendable, MetaSchedule {
    public var steps: Int
    /// Batches per epoch: the learning-rate schedule counts epochs.
    public var stepsPerEpoch: Int
    /// Adam (PyTorch's, L2 weight decay added to the gradient) on every network parameter.
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-2
    /// lr x `decayFactor` every `decayEveryEpochs` epochs.
    public var decayEveryEpochs = 20
    public var decayFactor: Float = 0.9
    public var distillation: DistillationMode = .l1
    public var distillationWeight: Float = 0.1
    /// Steps trained with every modality each sample has before random modality dropout starts.
    public var warmupSteps = 0
    public var seed: UInt64 = 0
    public var meta: MetaMode = .bilevel
    /// K; nil: the mode's default (bilevel 1, gated 100).
    public var metaEvery: Int?
    /// R, passes over the meta-validation pairs per meta step (one Adam step on theta_w
    /// each); nil: the mode's default (gated 20, bilevel 1).
    public var metaBatches: Int?
    public var lookAheadRadius: Float = 0.01
    /// Stop-gradient on the KD teacher (the method); see `SegmentationTrainingSettings.detachTeacher`.
    public var detachTeacher = true

    public init(steps: Int, stepsPerEpoch: Int) {
        self.steps = steps
        self.stepsPerEpoch = stepsPerEpoch
    }

    public func epoch(atStep step: Int) -> Int { step / max(1, stepsPerEpoch) }

    /// Step decay: lr * factor^floor(epoch / decayEveryEpochs).
    public func learningRate(atStep step: Int) -> Float {
        learningRate * Float(pow(Double(decayFactor), Double(epoch(atStep: step) / max(1, decayEveryEpochs))))
    }
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
/// modality-weighted KD loss on the projected features, the meta step on theta_w, and an
/// Adam update of the network. Only the batch is uploaded; only logged scalars come back.
public final class AVMNISTTrainer {
    public let model: AVMNISTModel
    public let settings: AVMNISTTrainingSettings
    public let dropout: ModalityDropout
    public let importance: ImportanceWeights
    public var thetaW: Tensor { importance.theta }
    public internal(set) var step = 0
    let backend: any Backend
    let firstMoments: [Tensor]
    let secondMoments: [Tensor]

    /// The generator streams of the head's dropout masks: the training forward and the
    /// meta forwards (pass r of the meta step) of step s use distinct streams derived
    /// from (s, r) (resumable, no state).
    static func dropoutStream(step: Int, metaPass: Int?) -> UInt64 {
        guard let pass = metaPass else { return UInt64(step) &* 2 }
        return UInt64(step) &* 2 &+ 1 &+ (UInt64(pass) << 40)
    }

    public init(model: AVMNISTModel, settings: AVMNISTTrainingSettings) throws {
        guard settings.steps >= 1, settings.stepsPerEpoch >= 1 else {
            throw EngineError.invalidArgument("AV-MNIST training needs steps >= 1 and stepsPerEpoch >= 1")
        }
        self.model = model
        self.settings = settings
        let backend = model.backend
        self.backend = backend
        try settings.validateMetaSchedule()
        let m = AVMNISTModel.modalityNames.count
        dropout = ModalityDropout(modalityCount: m, seed: settings.seed, warmupSteps: settings.warmupSteps)
        importance = try ImportanceWeights(backend, modalities: m, seed: settings.seed, learned: settings.meta != .off)
        firstMoments = try model.parameters.map { try backend.full($0.value.shape, value: 0) }
        secondMoments = try model.parameters.map { try backend.full($0.value.shape, value: 0) }
    }

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

    /// Trains on one batch. When a meta step is due and the meta-validation pairs (from
    /// `metaInput`, uploaded once for the run) are given, theta_w is updated too, R =
    /// `metaBatchCount` times (one pass over the pairs each); the network's update is the
    /// same as without them.
    @discardableResult
    public func train(batch: AVMNISTBatch, meta metaBatch: AVMNISTInput? = nil) throws -> AVMNISTLosses {
        let (drawn, availability) = try availability(for: batch)
        let input = try AVMNISTInput(batch: batch, availability: availability, backend: backend)
        let (crossEntropy, distillation, filled) = try computeTrainingGradient(input: input)
        let learningRate = settings.learningRate(atStep: step)
        var metaStep: MetaStepReport? = nil
        if let metaBatch, settings.metaStepDue(atStep: step) {
            metaStep = try runMetaStep(mode: settings.meta, training: (input, filled),
                                       meta: Array(repeating: metaBatch, count: settings.metaBatchCount), lookAhead: learningRate)
        }
        let adam = AdamSettings(weightDecay: settings.weightDecay)
        for (index, parameter) in model.parameters.enumerated() {
            try backend.adamStep(adam, learningRate: learningRate, step: step + 1, parameter: parameter.value,
                                 gradient: parameter.gradient, firstMoment: firstMoments[index], secondMoment: secondMoments[index])
        }
        step += 1
        return AVMNISTLosses(crossEntropy: crossEntropy, distillation: distillation, drawn: drawn, availability: availability, metaStep: metaStep)
    }

    /// A meta-validation batch on the device; every sample must have both modalities.
    public func metaInput(_ batch: AVMNISTBatch) throws -> AVMNISTInput {
        try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(uniform: .all(2), samples: batch.count), backend: backend)
    }

    /// Forward and backward of L_train = CE + lambda L_kd: afterwards every parameter's
    /// gradient holds grad_theta L_train. Also returns the filled features (the KD
    /// features at theta).
    public func computeTrainingGradient(input: AVMNISTInput) throws -> (crossEntropy: Tensor, distillation: Tensor?, filled: Tensor) {
        model.dropout.stream = Self.dropoutStream(step: step, metaPass: nil)
        let (logits, filled) = try model.forward(input)
        let (crossEntropy, gradLogits) = try taskLoss(logits: logits, labels: input.labels)
        var distillation: Tensor? = nil
        var gradFilled: Tensor? = nil
        if settings.distillation != .none {
            let kd = try distillationLoss(filled, availability: input.availability, withGradient: true)
            distillation = kd.loss
            gradFilled = kd.gradient
        }
        try model.backward(gradLogits: gradLogits, gradFilled: gradFilled)
        return (crossEntropy, distillation, filled)
    }

    /// Softmax cross-entropy (mean over the batch) and its gradient.
    public func taskLoss(logits: Tensor, labels: Tensor) throws -> (loss: Tensor, gradient: Tensor) {
        let loss = try backend.makeTensor(shape: [1]), gradient = try backend.makeTensor(shape: logits.shape)
        try backend.softmaxCrossEntropyLoss(logits: logits, labels: labels, loss: loss, gradLogits: gradient)
        return (loss, gradient)
    }

    /// The KD loss over the batch (samples grouped by available set, `groupedDistillation`),
    /// its distances D [M, M] and (optionally) lambda times its gradient on the filled
    /// features. With `teacher`, D only, the teacher side read from those features.
    public func distillationLoss(_ filled: Tensor, availability: PerSampleAvailability, withGradient: Bool, teacher: Tensor? = nil) throws
        -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
        try groupedDistillation(filled, availability: availability, thetaW: thetaW, settings: (settings.distillation, settings.detachTeacher),
                                scale: settings.distillationWeight, withGradient: withGradient, teacher: teacher, backend: backend)
    }
}
