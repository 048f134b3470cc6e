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
}

/// One MCKD training step on a segmentation batch: modality dropout, zeroed inputs,
/// fill-in, Dice + BCE task loss, the modality-weighted KD loss on the bottleneck,
/// back-propagation and an SGD-Nesterov update with poly decay. Everything stays
/// on the device; only the input batch is uploaded by the caller.
public final class SegmentationTrainer {
    public let model: SegmentationModel
    public let settings: SegmentationTrainingSettings
    public let dropout: ModalityDropout
    /// The importance-weight logits theta_w [M]; w = softmax(theta_w).
    public let thetaW: Tensor
    public private(set) var step = 0
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
        thetaW = try backend.makeTensor(shape: Shape(m))
        try backend.fillRandom(thetaW, .uniform(low: 0, high: 1), seed: settings.seed, stream: 0x7468_6574_6177)   // "thetaw"
        momentumBuffers = try model.parameters.map { try backend.full($0.value.shape, value: 0) }
    }

    /// Trains on one batch: input [N, M, D, H, W], targets [N, 3, D, H, W] (ET, WT, TC as 0/1).
    @discardableResult
    public func train(input: Tensor, targets: Tensor) throws -> SegmentationLosses {
        let available = dropout.subset(atStep: step)
        let (logits, bottleneck) = try model.forward(input, available: available)
        let dice = try backend.makeTensor(shape: [1]), crossEntropy = try backend.makeTensor(shape: [1])
        let gradLogits = try backend.makeTensor(shape: logits.shape), gradCrossEntropy = try backend.makeTensor(shape: logits.shape)
        try backend.diceLoss(logits: logits, targets: targets, loss: dice, gradLogits: gradLogits)
        try backend.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: crossEntropy, gradLogits: gradCrossEntropy)
        try backend.axpy(alpha: 1, x: gradCrossEntropy, y: gradLogits)

        var distillation: Tensor? = nil
        var gradBottleneck: Tensor? = nil
        if settings.distillation != .none {
            let m = model.architecture.modalities
            let descriptor = DistillationDescriptor(available: (0..<m).map(available.contains),
                                                    distance: settings.distillation == .l1 ? .l1 : .meanSquared)
            let loss = try backend.makeTensor(shape: [1]), distances = try backend.makeTensor(shape: Shape(m, m))
            let grad = try backend.makeTensor(shape: bottleneck.shape)
            try backend.modalityWeightedDistillation(descriptor, features: bottleneck, thetaW: thetaW, loss: loss,
                                                     distances: distances, gradFeatures: grad)
            try backend.scale(grad, by: settings.distillationWeight, into: grad)
            distillation = loss
            gradBottleneck = grad
        }
        try model.backward(gradLogits: gradLogits, gradBottleneck: gradBottleneck)

        let optimizer = SGDSettings(momentum: settings.momentum, nesterov: true)
        let learningRate = settings.learningRate(atStep: step)
        for (parameter, buffer) in zip(model.parameters, momentumBuffers) {
            try backend.sgdStep(optimizer, learningRate: learningRate, parameter: parameter.value,
                                gradient: parameter.gradient, momentumBuffer: buffer)
        }
        step += 1
        return SegmentationLosses(dice: dice, crossEntropy: crossEntropy, distillation: distillation, available: available)
    }
}
