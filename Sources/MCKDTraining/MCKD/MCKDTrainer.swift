import MCKDEngine

/// A network as training and checkpoints see it.
public protocol TrainableModel: AnyObject {
    var backend: any Backend { get }
    /// Every parameter, in a fixed order (the checkpoint's and the optimiser's).
    var parameters: [Parameter] { get }
    /// State that is not a parameter but that evaluation reads (batch norms' running
    /// statistics), by checkpoint name; empty for a network without any.
    var runningStatistics: [(name: String, tensor: Tensor)] { get }
    /// Training (batch statistics, dropout) or evaluation behaviour.
    func setTraining(_ training: Bool)
}

/// What an MCKD training step keeps besides the network: the step count, theta_w and its
/// Adam (`importance`), the modality-dropout draw and the network's optimiser. Both
/// tasks' trainers hold one; a checkpoint saves it with the network.
public final class TrainerState {
    public let dropout: ModalityDropout
    /// The importance-weight logits theta_w [M] and their optimiser; w = softmax(theta_w).
    public let importance: ImportanceWeights
    public let optimizer: NetworkOptimizer
    /// Training steps taken.
    public internal(set) var step = 0
    /// How each step's batch is split over processes and micro-batches (one and one by default).
    public var parallel = DataParallel()

    /// theta_w starts uniform in [0, 1) from the seed (the reference's init), or at zero
    /// (uniform weights) with `--meta off`.
    /// - Parameters:
    ///   - method: the method's settings; an impossible meta schedule is a clear error.
    ///   - seed: the run's seed (theta_w's init and the dropout draws).
    ///   - modalities: M.
    ///   - optimizer: the network's optimiser with its state.
    ///   - backend: where theta_w lives.
    public init(method: MCKDSettings, seed: UInt64, modalities: Int, optimizer: NetworkOptimizer, backend: any Backend) throws {
        try method.validateMetaSchedule()
        dropout = ModalityDropout(modalityCount: modalities, seed: seed, warmupSteps: method.warmupSteps)
        importance = try ImportanceWeights(backend, modalities: modalities, seed: seed, learned: method.meta != .off)
        self.optimizer = optimizer
    }
}

/// One task's trainer: the model, its loss and its batches are the task's; the state, the
/// meta step and the update around them are the method's, written once (here and in
/// `MetaStepping`).
public protocol MCKDTrainer: AnyObject {
    associatedtype Model: TrainableModel
    associatedtype Options: TaskTrainingOptions
    var model: Model { get }
    var settings: TrainingSettings<Options> { get }
    var state: TrainerState { get }
}

extension MCKDTrainer {
    /// Training steps taken.
    public var step: Int { state.step }
    public var importance: ImportanceWeights { state.importance }
    public var dropout: ModalityDropout { state.dropout }
    public var thetaW: Tensor { importance.theta }

    /// softmax(theta_w) on the host, for logging (M floats come back).
    public func importanceWeights() throws -> [Float] {
        try model.backend.download(try importance.weights())
    }

    /// The KD loss over a batch of per-sample available sets (`groupedDistillation`): the
    /// loss, its distances D [M, M] and (optionally) lambda times its gradient on the
    /// features. With `teacher`, D only, its teacher side read from those features.
    public func distillationLoss(_ features: Tensor, availability: PerSampleAvailability, withGradient: Bool, teacher: Tensor? = nil) throws
        -> (loss: Tensor, distances: Tensor, gradient: Tensor?) {
        let method = settings.method
        guard let distance = method.distillation else { throw EngineError.invalidArgument("no KD loss is configured (--kd none)") }
        return try groupedDistillation(features, availability: availability, thetaW: thetaW, distance: distance,
                                       detachTeacher: method.detachTeacher, scale: method.distillationWeight,
                                       withGradient: withGradient, teacher: teacher, backend: model.backend)
    }
}

extension MetaStepping {
    /// The rest of a training step once the task's forward and backward have left
    /// grad_theta L_train in the parameters: first the average over micro-batches and
    /// ranks (`microGradients`: each micro-batch's gradients on the host, empty for one
    /// process and micro-batch), then the meta step on `metaBatches` (none: no meta step;
    /// the run decides when one is due) with every rank's `training` micro-batches, then
    /// the network's update, which the meta step leaves exactly as it would be without
    /// it, and the step count.
    func finishStep(training: [TrainingBatch], microGradients: [[Float]] = [], metaBatches: [MetaBatch]) throws -> MetaStepReport? {
        if !state.parallel.isSingle { try setGradients(try state.parallel.averageGradient(microGradients)) }
        let learningRate = settings.scheduledLearningRate(atStep: step)
        let report = metaBatches.isEmpty ? nil
            : try runMetaStep(mode: settings.method.meta, training: training, meta: metaBatches, lookAhead: learningRate)
        try state.optimizer.update(model.parameters, learningRate: learningRate, step: step + 1)
        state.step += 1
        return report
    }

    /// The bi-level hypergradient dL_meta/dtheta_w (method 5.2, steps 1-4) of a training
    /// batch whose gradient is in the parameters, without updating anything (for tests and
    /// analysis).
    func hypergradient(training: TrainingBatch, meta: MetaBatch) throws -> Tensor {
        let result = try bilevelHypergradient(training: [training], meta: meta, lookAhead: settings.scheduledLearningRate(atStep: step))
        guard let gradient = result.gradient else { throw EngineError.invalidArgument("no hypergradient: ||v|| is not finite") }
        return gradient
    }
}
