import Foundation
import MCKDEngine

/// BraTS's own training settings (the reference's by default): SGD with Nesterov momentum
/// and poly learning-rate decay, and how modality subsets are drawn.
public struct BraTSTrainingOptions: TaskTrainingOptions {
    public var learningRate: Float = 1e-2
    public var momentum: Float = 0.99
    /// Draw the modality subset per sample instead of once per batch (the reference's
    /// way; method.md section 4's option). nil: per batch.
    public var perSampleSubsets: Bool?

    public init() {}

    /// Poly decay: lr * (1 - step/steps)^0.9.
    public func learningRate(atStep step: Int, steps: Int) -> Float {
        learningRate * Float(pow(1 - Double(step) / Double(max(1, steps)), 0.9))
    }
}

/// The hyper-parameters of segmentation training.
public typealias SegmentationTrainingSettings = TrainingSettings<BraTSTrainingOptions>

/// The loss parts of one step, as one-element device tensors (download only to log).
public struct SegmentationLosses {
    /// The soft Dice loss (1 - Dice, mean over the channels), not the Dice score.
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
/// back-propagation, then the method's meta step and an SGD-Nesterov update
/// (`finishStep`). Everything stays on the device; only the input batch is uploaded by
/// the caller.
public final class SegmentationTrainer: MCKDTrainer {
    public let model: SegmentationModel
    public let settings: SegmentationTrainingSettings
    public let state: TrainerState

    /// - Parameters:
    ///   - model: the network to train (its parameters are updated in place).
    ///   - settings: the run's length, seed, the method's settings and the optimiser's.
    public init(model: SegmentationModel, settings: SegmentationTrainingSettings) throws {
        self.model = model
        self.settings = settings
        let optimizer = try NetworkOptimizer(.sgd(SGDSettings(momentum: settings.momentum, nesterov: true)),
                                             parameters: model.parameters, backend: model.backend)
        state = try TrainerState(method: settings.method, seed: settings.seed, modalities: model.architecture.modalities,
                                 optimizer: optimizer, backend: model.backend)
    }

    var backend: any Backend { model.backend }

    /// Trains on one batch: input [N, M, D, H, W], targets [N, 3, D, H, W] (ET, WT, TC as
    /// 0/1). With meta-validation batches (the run gives R of them when a meta step is
    /// due) theta_w is updated too; the network's update is the same as without them.
    @discardableResult
    public func train(input: Tensor, targets: Tensor, metaBatches: [(input: Tensor, targets: Tensor)]) throws -> SegmentationLosses {
        try train(microBatches: [(input, targets)], globalBatch: input.shape[0], own: nil,
                  metaBatches: metaBatches.map { ($0.input, $0.targets, .all(model.architecture.modalities)) })
    }

    /// `train` on cases that lack some modalities: `own[n]` is what sample n's case has
    /// (nil: every sample has all), each meta batch's `available` what its case has. A
    /// sample trains on the dropout draw restricted to its own set (`availability`).
    @discardableResult
    public func train(input: Tensor, targets: Tensor, own: [ModalitySet]?,
                      metaBatches: [(input: Tensor, targets: Tensor, available: ModalitySet)]) throws -> SegmentationLosses {
        try train(microBatches: [(input, targets)], globalBatch: input.shape[0], own: own, metaBatches: metaBatches)
    }

    /// Trains on this rank's micro-batches of a global batch of `globalBatch` samples
    /// (`state.parallel` says which samples they are; `own`, when given, the global
    /// batch's own modality sets): each one's forward and backward, then the gradients,
    /// loss parts and look-ahead distances averaged over every rank's micro-batches
    /// (`DataParallel`), then the meta step and the update. The losses are the global
    /// batch's, its availability the global batch's sets.
    public func train(microBatches: [(input: Tensor, targets: Tensor)], globalBatch: Int, own: [ModalitySet]? = nil,
                      metaBatches: [(input: Tensor, targets: Tensor, available: ModalitySet)]) throws -> SegmentationLosses {
        let parallel = state.parallel
        let ranges = parallel.isSingle ? [0..<globalBatch] : try parallel.microBatchRanges(globalBatch: globalBatch)
        guard ranges.count == microBatches.count, zip(ranges, microBatches).allSatisfy({ $0.count == $1.input.shape[0] }) else {
            throw EngineError.invalidArgument("micro-batches of \(microBatches.map { $0.input.shape[0] }) samples for a global batch of \(globalBatch) split as \(ranges)")
        }
        let global = try availability(samples: globalBatch, own: own)
        var passes: [(availability: PerSampleAvailability, dice: Tensor, crossEntropy: Tensor, distillation: Tensor?, bottleneck: Tensor)] = []
        var microGradients: [[Float]] = []
        for (range, batch) in zip(ranges, microBatches) {
            let availability = try PerSampleAvailability(Array(global.sets[range]))
            passes.append(try computeTrainingGradient(input: batch.input, targets: batch.targets, availability: availability))
            if !parallel.isSingle { microGradients.append(try hostGradients()) }
        }
        let metaStep = try finishStep(training: zip(microBatches, passes).map { ($0.input, $1.availability, $1.bottleneck) },
                                      microGradients: microGradients, metaBatches: metaBatches)
        if parallel.isSingle {
            let pass = passes[0]
            return SegmentationLosses(dice: pass.dice, crossEntropy: pass.crossEntropy, distillation: pass.distillation,
                                      availability: global, metaStep: metaStep)
        }
        // Dice, BCE (and KD) of each micro-batch, averaged like the gradients.
        let parts = try passes.map { pass in try ([pass.dice, pass.crossEntropy] + [pass.distillation].compactMap { $0 }).map { try backend.scalar($0) } }
        let mean = try parallel.average(parts, name: "loss parts")
        let tensors = try mean.map { try backend.upload([$0], shape: [1]) }
        return SegmentationLosses(dice: tensors[0], crossEntropy: tensors[1], distillation: tensors.count > 2 ? tensors[2] : nil,
                                  availability: global, metaStep: metaStep)
    }

    /// `train` with at most one meta-validation batch.
    @discardableResult
    public func train(input: Tensor, targets: Tensor, metaBatch: (input: Tensor, targets: Tensor)? = nil) throws -> SegmentationLosses {
        try train(input: input, targets: targets, metaBatches: metaBatch.map { [$0] } ?? [])
    }

    /// The available modalities of each sample of an N-sample batch at the current step:
    /// the dropout draw, restricted to what each sample's case has (`own`, nil: all); a
    /// sample whose case has none of the drawn modalities keeps its own (as AV-MNIST's do).
    public func availability(samples: Int, own: [ModalitySet]? = nil) throws -> PerSampleAvailability {
        let drawn = settings.perSampleSubsets == true ? try dropout.subsets(atStep: step, samples: samples)
            : try PerSampleAvailability(uniform: dropout.subset(atStep: step), samples: samples)
        guard let own else { return drawn }
        guard own.count == samples else { throw EngineError.shapeMismatch("\(own.count) own modality sets for a batch of \(samples)") }
        return try PerSampleAvailability(zip(own, drawn.sets).map { own, drawn in
            let common = own.mask & drawn.mask
            return common == 0 ? own : ModalitySet(mask: common, modalityCount: own.modalityCount)
        })
    }

    /// Forward and backward of L_train = L_task + lambda L_kd on one batch with this step's
    /// modality subsets: afterwards every parameter's gradient holds grad_theta L_train.
    /// Also returns the bottleneck before fill-in (the KD features at theta).
    public func computeTrainingGradient(input: Tensor, targets: Tensor, own: [ModalitySet]? = nil) throws
        -> (availability: PerSampleAvailability, dice: Tensor, crossEntropy: Tensor, distillation: Tensor?, bottleneck: Tensor) {
        try computeTrainingGradient(input: input, targets: targets, availability: try availability(samples: input.shape[0], own: own))
    }

    /// `computeTrainingGradient` with the batch's available sets given.
    func computeTrainingGradient(input: Tensor, targets: Tensor, availability: PerSampleAvailability) throws
        -> (availability: PerSampleAvailability, dice: Tensor, crossEntropy: Tensor, distillation: Tensor?, bottleneck: Tensor) {
        let (logits, bottleneck) = try model.forward(input, availability: availability)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: targets)
        var distillation: Tensor? = nil
        var gradBottleneck: Tensor? = nil
        if settings.distillation != nil {
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
        return try hypergradient(training: (input, training.availability, training.bottleneck),
                                 meta: (metaBatch.input, metaBatch.targets, .all(model.architecture.modalities)))
    }

    /// The Dice loss and BCE of the logits, and the gradient of their sum.
    func taskLoss(logits: Tensor, targets: Tensor) throws -> (dice: Tensor, crossEntropy: Tensor, gradient: Tensor) {
        let dice = try backend.makeTensor(shape: [1]), crossEntropy = try backend.makeTensor(shape: [1])
        let gradient = try backend.makeTensor(shape: logits.shape), gradCrossEntropy = try backend.makeTensor(shape: logits.shape)
        try backend.diceLoss(logits: logits, targets: targets, loss: dice, gradLogits: gradient)
        try backend.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: crossEntropy, gradLogits: gradCrossEntropy)
        try backend.axpy(alpha: 1, x: gradCrossEntropy, y: gradient)
        return (dice, crossEntropy, gradient)
    }
}
