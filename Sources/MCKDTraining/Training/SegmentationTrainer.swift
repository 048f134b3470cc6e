import Foundation
import MCKDEngine

/// Which knowledge-distillation loss training adds (method.md section 3).
public enum DistillationMode: String, CaseIterable, Codable, Sendable {
    /// No KD loss: the baseline the paper improves on.
    case none
    case l1
    case mse
}

/// The hyper-parameters of segmentation training (the BraTS reference's by default).
public struct SegmentationTrainingSettings: Codable, Equatable, Sendable, MetaSchedule {
    public var steps: Int
    public var learningRate: Float = 1e-2
    public var momentum: Float = 0.99
    public var distillation: DistillationMode = .l1
    public var distillationWeight: Float = 0.1
    /// Steps trained with every modality before random modality dropout starts (the
    /// reference trains its first ~70% so; `mckd train --warmup-all-modalities 0.7`).
    public var warmupSteps: Int = 0
    /// Draw the modality subset per sample instead of once per batch (the reference's
    /// way; method.md section 4's option). nil: per batch.
    public var perSampleSubsets: Bool?
    public var seed: UInt64 = 0
    public var meta: MetaMode = .bilevel
    /// K: a meta step every K training steps; nil: the mode's default (bilevel 1, gated 100).
    public var metaEvery: Int?
    /// R: meta-validation batches per meta step, one Adam step on theta_w each; nil: the
    /// mode's default (gated 20, bilevel 1, which is the only value it takes).
    public var metaBatches: Int?
    /// The bi-level step's finite-difference radius in parameter space: eps = radius / ||v||
    /// (DARTS and the method use 0.01).
    public var lookAheadRadius: Float = 0.01
    /// Stop-gradient on the KD teacher (the method). `false` back-propagates the KD loss
    /// into both sides of each pair, making g the true gradient of L_train. The bi-level
    /// step's finite difference follows: with a detached teacher only the student side
    /// of D_ij moves to theta +- eps v (the teacher's features stay at theta), otherwise
    /// both sides do; either way it is the exact mixed derivative of the g in use.
    public var detachTeacher = true

    public init(steps: Int) { self.steps = steps }

    /// Poly decay: lr * (1 - step/steps)^0.9.
    public func learningRate(atStep step: Int) -> Float {
        learningRate * Float(pow(1 - Double(step) / Double(max(1, steps)), 0.9))
    }
}

/// The loss parts of one step, as one-element device tensors (download only to log).
public struct SegmentationLosses {
    public let dice: Tensor
    public let crossEntropy: Tensor
    public let distillation: Tensor?
    /// Each sample's available modalities (one set for the batch unless `perSampleSubsets`).
    public let availability: PerSampleAvailability
    /// What the meta step did, when one ran.
    public let metaStep: MetaStepReport?
    /// The meta-validation loss of the meta step (mean over its batches), when one ran.
    public var meta: Tensor? { metaStep?.loss }
}

/// One MCKD training step on a segmentation batch: modality dropout, zeroed inputs,
/// fill-in, Dice + BCE task loss, the modality-weighted KD loss on the bottleneck,
/// back-propagation and an SGD-Nesterov update with poly decay. Everything stays
/// on the device; only the input batch is uploaded by the caller.
public final class SegmentationTrainer {
    public let model: SegmentationModel
    public let settings: SegmentationTrainingSettings
    public let dropout: ModalityDropout
    /// The importance-weight logits theta_w [M] and their optimiser; w = softmax(theta_w).
    public let importance: ImportanceWeights
    public var thetaW: Tensor { importance.theta }
    public internal(set) var step = 0
    let backend: any Backend
    let momentumBuffers: [Tensor]

    /// theta_w starts uniform in [0, 1) from the seed (the reference's init).
    public init(model: SegmentationModel, settings: SegmentationTrainingSettings) throws {
        self.model = model
        self.settings = settings
        let backend = model.backend
        self.backend = backend
        let m = model.architecture.modalities
        try settings.validateMetaSchedule()
        dropout = ModalityDropout(modalityCount: m, seed: settings.seed, warmupSteps: settings.warmupSteps)
        importance = try ImportanceWeights(backend, modalities: m, seed: settings.seed, learned: settings.meta != .off)
        momentumBuffers = try model.parameters.map { try backend.full($0.value.shape, value: 0) }
    }

    /// Trains on one batch: input [N, M, D, H, W], targets [N, 3, D, H, W] (ET, WT, TC as
    /// 0/1). When a meta step is due (`metaStepDue`) and meta-validation batches are
    /// given (the run gives R = `metaBatchCount`), theta_w is updated too; the network's
    /// update is the same as without them.
    @discardableResult
    public func train(input: Tensor, targets: Tensor, metaBatches: [(input: Tensor, targets: Tensor)]) throws -> SegmentationLosses {
        let training = try computeTrainingGradient(input: input, targets: targets)
        let learningRate = settings.learningRate(atStep: step)
        var metaStep: MetaStepReport? = nil
        if !metaBatches.isEmpty, settings.metaStepDue(atStep: step) {
            metaStep = try runMetaStep(mode: settings.meta, training: (input, training.availability, training.bottleneck),
                                       meta: metaBatches, lookAhead: learningRate)
        }
        let optimizer = SGDSettings(momentum: settings.momentum, nesterov: true)
        for (parameter, buffer) in zip(model.parameters, momentumBuffers) {
            try backend.sgdStep(optimizer, learningRate: learningRate, parameter: parameter.value,
                                gradient: parameter.gradient, momentumBuffer: buffer)
        }
        step += 1
        return SegmentationLosses(dice: training.dice, crossEntropy: training.crossEntropy, distillation: training.distillation,
                                  availability: training.availability, metaStep: metaStep)
    }

    /// `train` with at most one meta-validation batch.
    @discardableResult
    public func train(input: Tensor, targets: Tensor, metaBatch: (input: Tensor, targets: Tensor)? = nil) throws -> SegmentationLosses {
        try train(input: input, targets: targets, metaBatches: metaBatch.map { [$0] } ?? [])
    }

    /// The available modalities of each sample of an N-sample batch at the current step.
    public func availability(samples: Int) throws -> PerSampleAvailability {
        settings.perSampleSubsets == true ? try dropout.subsets(atStep: step, samples: samples)
            : try PerSampleAvailability(uniform: dropout.subset(atStep: step), samples: samples)
    }

    /// Forward and backward of L_train = L_task + lambda L_kd on one batch with this step's
    /// modality subsets: afterwards every parameter's gradient holds grad_theta L_train.
    /// Also returns the bottleneck before fill-in (the KD features at theta).
    public func computeTrainingGradient(input: Tensor, targets: Tensor) throws
        -> (availability: PerSampleAvailability, dice: Tensor, crossEntropy: Tensor, distillation: Tensor?, bottleneck: Tensor) {
        let availability = try availability(samples: input.shape[0])
        let (logits, bottleneck) = try model.forward(input, availability: availability)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: targets)
        var distillation: Tensor? = nil
        var gradBottleneck: Tensor? = nil
        if settings.distillation != .none {
            let kd = try distillationLoss(bottleneck, availability: availability, withGradient: true)
            distillation = kd.loss
            gradBottleneck = kd.gradient
        }
        try model.backward(gradLogits: gradLogits, gradBottleneck: gradBottleneck)
        return (availability, dice, crossEntropy, distillation, bottleneck)
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) for one
    /// training batch at the current step, without updating anything (for tests and analysis).
    public func hypergradient(input: Tensor, targets: Tensor, metaBatch: (input: Tensor, targets: Tensor)) throws -> Tensor {
        let training = try computeTrainingGradient(input: input, targets: targets)
        let result = try bilevelHypergradient(training: (input, training.availability, training.bottleneck), meta: metaBatch,
                                              lookAhead: settings.learningRate(atStep: step))
        guard let gradient = result.gradient else { throw EngineError.invalidArgument("no hypergradient: ||v|| is not finite") }
        return gradient
    }

    /// Dice + BCE of the logits, and the gradient of their sum.
    func taskLoss(logits: Tensor, targets: Tensor) throws -> (dice: Tensor, crossEntropy: Tensor, gradient: Tensor) {
        let dice = try backend.makeTensor(shape: [1]), crossEntropy = try backend.makeTensor(shape: [1])
        let gradient = try backend.makeTensor(shape: logits.shape), gradCrossEntropy = try backend.makeTensor(shape: logits.shape)
        try backend.diceLoss(logits: logits, targets: targets, loss: dice, gradLogits: gradient)
        try backend.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: crossEntropy, gradLogits: gradCrossEntropy)
        try backend.axpy(alpha: 1, x: gradCrossEntropy, y: gradient)
        return (dice, crossEntropy, gradient)
    }

    /// The KD loss on the unfilled bottleneck, its per-pair distances D_ij and (optionally)
    /// lambda times its gradient for the students. With `teacher`, D only, the teacher
    /// side read from those features (`groupedDistillation`).
    func distillationLoss(_ bottleneck: Tensor, availability: PerSampleAvailability, withGradient: Bool, teacher: Tensor? = nil) throws
        -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
        try groupedDistillation(bottleneck, availability: availability, thetaW: thetaW, settings: (settings.distillation, settings.detachTeacher),
                                scale: settings.distillationWeight, withGradient: withGradient, teacher: teacher, backend: backend)
    }
}
