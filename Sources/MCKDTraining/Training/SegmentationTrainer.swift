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
public struct SegmentationTrainingSettings: Codable, Equatable, Sendable {
    public var steps: Int
    public var learningRate: Float = 1e-2
    public var momentum: Float = 0.99
    public var distillation: DistillationMode = .l1
    public var distillationWeight: Float = 0.1
    /// Steps trained with every modality before random modality dropout starts.
    public var warmupSteps: Int = 0
    public var seed: UInt64 = 0
    public var meta: MetaMode = .bilevel
    /// Meta steps run every K training steps (bilevel default 1; the gated reference uses 100).
    public var metaEvery: Int = 1
    /// The bi-level step's finite-difference radius in parameter space: eps = radius / ||v||
    /// (DARTS and the method use 0.01).
    public var lookAheadRadius: Float = 0.01
    /// Stop-gradient on the KD teacher (the method). `false` back-propagates the KD loss
    /// into both sides of each pair, making g the true gradient of L_train; the bi-level
    /// step's finite-difference formula (5.2 step 3) is exact for that g, and only
    /// approximate for the detached one (it ignores the teacher side's missing term).
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
    public let available: ModalitySet
    /// The meta-validation loss of the meta step, when one ran.
    public let meta: Tensor?
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
        dropout = ModalityDropout(modalityCount: m, seed: settings.seed, warmupSteps: settings.warmupSteps)
        importance = try ImportanceWeights(backend, modalities: m, seed: settings.seed, learned: settings.meta != .off)
        momentumBuffers = try model.parameters.map { try backend.full($0.value.shape, value: 0) }
    }

    /// Trains on one batch: input [N, M, D, H, W], targets [N, 3, D, H, W] (ET, WT, TC as
    /// 0/1). When a meta step is due (`metaEvery`) and a meta-validation batch is given,
    /// theta_w is updated too.
    @discardableResult
    public func train(input: Tensor, targets: Tensor, metaBatch: (input: Tensor, targets: Tensor)? = nil) throws -> SegmentationLosses {
        let (available, dice, crossEntropy, distillation) = try computeTrainingGradient(input: input, targets: targets)
        let learningRate = settings.learningRate(atStep: step)
        var metaLoss: Tensor? = nil
        if let metaBatch, settings.meta != .off, step % max(1, settings.metaEvery) == 0 {
            switch settings.meta {
            case .bilevel:
                metaLoss = try bilevelMetaStep(training: (input, available), meta: metaBatch, lookAhead: learningRate)
            case .gated:
                metaLoss = try gatedMetaStep(meta: metaBatch)
            case .off:
                break
            }
        }
        let optimizer = SGDSettings(momentum: settings.momentum, nesterov: true)
        for (parameter, buffer) in zip(model.parameters, momentumBuffers) {
            try backend.sgdStep(optimizer, learningRate: learningRate, parameter: parameter.value,
                                gradient: parameter.gradient, momentumBuffer: buffer)
        }
        step += 1
        return SegmentationLosses(dice: dice, crossEntropy: crossEntropy, distillation: distillation, available: available, meta: metaLoss)
    }

    /// Forward and backward of L_train = L_task + lambda L_kd on one batch with this step's
    /// modality subset: afterwards every parameter's gradient holds grad_theta L_train.
    public func computeTrainingGradient(input: Tensor, targets: Tensor) throws
        -> (available: ModalitySet, dice: Tensor, crossEntropy: Tensor, distillation: Tensor?) {
        let available = dropout.subset(atStep: step)
        let (logits, bottleneck) = try model.forward(input, available: available)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: targets)
        var distillation: Tensor? = nil
        var gradBottleneck: Tensor? = nil
        if settings.distillation != .none {
            let kd = try distillationLoss(bottleneck, available: available, withGradient: true)
            distillation = kd.loss
            gradBottleneck = kd.gradient
        }
        try model.backward(gradLogits: gradLogits, gradBottleneck: gradBottleneck)
        return (available, dice, crossEntropy, distillation)
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) for one
    /// training batch at the current step, without updating anything (for tests and analysis).
    public func hypergradient(input: Tensor, targets: Tensor, metaBatch: (input: Tensor, targets: Tensor)) throws -> Tensor {
        let available = try computeTrainingGradient(input: input, targets: targets).available
        return try bilevelHypergradient(training: (input, available), meta: metaBatch,
                                        lookAhead: settings.learningRate(atStep: step)).gradient
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
    /// lambda times its gradient for the students.
    func distillationLoss(_ bottleneck: Tensor, available: ModalitySet, withGradient: Bool) throws
        -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
        let (loss, distances, gradient) = try weightedDistillation(
            bottleneck, available: available, modalities: model.architecture.modalities, thetaW: thetaW,
            settings: (settings.distillation, settings.detachTeacher), withGradient: withGradient, backend: backend)
        if let gradient { try backend.scale(gradient, by: settings.distillationWeight, into: gradient) }
        return (loss, distances, gradient)
    }
}
