import Foundation
import MCKDData
import MCKDEngine

/// The hyper-parameters of AV-MNIST training (method.md section 4's by default).
public struct AVMNISTTrainingSettings: Codable, Equatable, Sendable {
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
    public var metaEvery = 1
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
    public let meta: Tensor?
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
    /// meta forward of step s use distinct streams derived from s (resumable, no state).
    static func dropoutStream(step: Int, meta: Bool) -> UInt64 { UInt64(step) &* 2 &+ (meta ? 1 : 0) }

    public init(model: AVMNISTModel, settings: AVMNISTTrainingSettings) throws {
        guard settings.steps >= 1, settings.stepsPerEpoch >= 1 else {
            throw EngineError.invalidArgument("AV-MNIST training needs steps >= 1 and stepsPerEpoch >= 1")
        }
        self.model = model
        self.settings = settings
        let backend = model.backend
        self.backend = backend
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

    /// Trains on one batch. When a meta step is due and a meta-validation batch (from
    /// `metaInput`, uploaded once for the run) is given, theta_w is updated too.
    @discardableResult
    public func train(batch: AVMNISTBatch, meta metaBatch: AVMNISTInput? = nil) throws -> AVMNISTLosses {
        let (drawn, availability) = try availability(for: batch)
        let input = try AVMNISTInput(batch: batch, availability: availability, backend: backend)
        let (crossEntropy, distillation) = try computeTrainingGradient(input: input)
        let learningRate = settings.learningRate(atStep: step)
        var metaLoss: Tensor? = nil
        if let metaBatch, settings.meta != .off, step % max(1, settings.metaEvery) == 0 {
            switch settings.meta {
            case .bilevel: metaLoss = try bilevelMetaStep(training: input, meta: metaBatch, lookAhead: learningRate)
            case .gated: metaLoss = try gatedMetaStep(meta: metaBatch)
            case .off: break
            }
        }
        let adam = AdamSettings(weightDecay: settings.weightDecay)
        for (index, parameter) in model.parameters.enumerated() {
            try backend.adamStep(adam, learningRate: learningRate, step: step + 1, parameter: parameter.value,
                                 gradient: parameter.gradient, firstMoment: firstMoments[index], secondMoment: secondMoments[index])
        }
        step += 1
        return AVMNISTLosses(crossEntropy: crossEntropy, distillation: distillation, drawn: drawn, availability: availability, meta: metaLoss)
    }

    /// A meta-validation batch on the device; every sample must have both modalities.
    public func metaInput(_ batch: AVMNISTBatch) throws -> AVMNISTInput {
        try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(uniform: .all(2), samples: batch.count), backend: backend)
    }

    /// Forward and backward of L_train = CE + lambda L_kd: afterwards every parameter's
    /// gradient holds grad_theta L_train.
    public func computeTrainingGradient(input: AVMNISTInput) throws -> (crossEntropy: Tensor, distillation: Tensor?) {
        model.dropout.stream = Self.dropoutStream(step: step, meta: false)
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
        return (crossEntropy, distillation)
    }

    /// Softmax cross-entropy (mean over the batch) and its gradient.
    public func taskLoss(logits: Tensor, labels: Tensor) throws -> (loss: Tensor, gradient: Tensor) {
        let loss = try backend.makeTensor(shape: [1]), gradient = try backend.makeTensor(shape: logits.shape)
        try backend.softmaxCrossEntropyLoss(logits: logits, labels: labels, loss: loss, gradLogits: gradient)
        return (loss, gradient)
    }

    /// The KD loss over the batch, its distances D [M, M] and (optionally) lambda times its
    /// gradient on the filled features. Samples are grouped by available set; each group's
    /// loss is the op's mean over the group, weighted by its share of the batch, so the total
    /// is the mean over the batch of the per-sample pair sums (0 for single-modality samples).
    public func distillationLoss(_ filled: Tensor, availability: PerSampleAvailability, withGradient: Bool) throws
        -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
        let m = availability.modalityCount, n = availability.sampleCount
        let loss = try backend.full([1], value: 0), distances = try backend.full(Shape(m, m), value: 0)
        let gradient = withGradient ? try backend.full(filled.shape, value: 0) : nil
        let width = filled.shape[1]
        for group in availability.distillationGroups {
            let share = Float(group.samples.count) / Float(n)
            let rows = group.samples.flatMap { sample in (0..<m).map { sample * m + $0 } }
            let features = try backend.makeTensor(shape: Shape(rows.count, width))
            try backend.gatherBatch(filled, indices: rows, into: features)
            let (groupLoss, groupDistances, groupGradient) = try weightedDistillation(
                features, available: group.set, modalities: m, thetaW: thetaW,
                settings: (settings.distillation, settings.detachTeacher), withGradient: withGradient, backend: backend)
            try backend.axpy(alpha: share, x: groupLoss, y: loss)
            try backend.axpy(alpha: share, x: groupDistances, y: distances)
            if let gradient, let groupGradient {
                // The op's gradient is for its mean over the group; the batch mean scales it by the share.
                let scattered = try backend.makeTensor(shape: filled.shape)
                try backend.gatherBatchBackward(groupGradient, indices: rows, into: scattered)
                try backend.axpy(alpha: share * settings.distillationWeight, x: scattered, y: gradient)
            }
        }
        return (loss, distances, gradient)
    }
}
