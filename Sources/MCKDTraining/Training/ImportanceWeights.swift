import MCKDEngine

/// How the importance weights are learned (method.md section 5).
public enum MetaMode: String, CaseIterable, Codable, Sendable {
    /// One-step look-ahead bi-level optimisation with a finite-difference
    /// Hessian-vector product (5.2), the default.
    case bilevel
    /// First-order: L_task of the gated fusion back-propagated to theta_w alone (5.1).
    case gated
    /// w fixed uniform: plain pairwise cross-modal KD.
    case off

    /// K, training steps between meta steps, when not set: the reference's 100 for
    /// `gated`, every step otherwise.
    public var defaultInterval: Int { self == .gated ? 100 : 1 }

    /// R, meta-validation batches (one Adam step on theta_w each) per meta step, when not
    /// set: the reference's 20 for `gated`; the bi-level step takes one.
    public var defaultBatchCount: Int { self == .gated ? 20 : 1 }
}

/// When and how often the importance weights are updated: both tasks' settings carry
/// these, with the mode's defaults when a value is not set (the command line's defaults).
public protocol MetaSchedule {
    var meta: MetaMode { get set }
    /// K; nil: `meta.defaultInterval`.
    var metaEvery: Int? { get set }
    /// R; nil: `meta.defaultBatchCount`.
    var metaBatches: Int? { get set }
}

extension MetaSchedule {
    public var metaInterval: Int { metaEvery ?? meta.defaultInterval }
    public var metaBatchCount: Int { meta == .off ? 0 : metaBatches ?? meta.defaultBatchCount }

    /// Whether training step `step` (0-based) runs a meta step.
    public func metaStepDue(atStep step: Int) -> Bool { meta != .off && step % metaInterval == 0 }

    /// A clear error for a schedule that cannot run.
    public func validateMetaSchedule() throws {
        guard metaInterval >= 1 else { throw EngineError.invalidArgument("meta steps every \(metaInterval) steps: K must be positive") }
        guard metaBatches.map({ $0 >= 1 }) ?? true else {
            throw EngineError.invalidArgument("\(metaBatches!) meta-validation batches per meta step: R must be positive")
        }
        guard meta != .bilevel || metaBatchCount == 1 else {
            throw EngineError.invalidArgument("the bi-level meta step takes one meta-validation batch per step (R = 1), got R = \(metaBatchCount); "
                                              + "R > 1 is for --meta gated")
        }
    }
}

/// Finite-difference look-aheads of the bi-level step that could not use ||v||: counted,
/// logged and checkpointed, never dropped silently.
public struct DegenerateLookAheads: Equatable, Sendable {
    /// ||v|| = 0: the second-order term is exactly zero, so h = d (theta_w is still updated).
    public var zeroNorm = 0
    /// ||v|| NaN or infinite: no hypergradient, theta_w is not updated that step.
    public var nonFiniteNorm = 0

    public init(zeroNorm: Int = 0, nonFiniteNorm: Int = 0) {
        self.zeroNorm = zeroNorm
        self.nonFiniteNorm = nonFiniteNorm
    }
}

/// theta_w and its Adam optimiser (lr 1e-2, weight decay 5e-4, constant lr), on the device.
public final class ImportanceWeights {
    public let theta: Tensor
    let firstMoment: Tensor
    let secondMoment: Tensor
    public private(set) var updates = 0
    public internal(set) var degenerateLookAheads = DegenerateLookAheads()
    public var learningRate: Float = 1e-2
    public var adam = AdamSettings(weightDecay: 5e-4)
    private let backend: any Backend

    /// Uniform [0, 1) from the seed (the reference's init), or zeros (uniform weights)
    /// when the weights are not learned.
    public init(_ backend: any Backend, modalities: Int, seed: UInt64, learned: Bool) throws {
        self.backend = backend
        theta = try backend.full(Shape(modalities), value: 0)
        if learned {
            try backend.fillRandom(theta, .uniform(low: 0, high: 1), seed: seed, stream: 0x7468_6574_6177)   // "thetaw"
        }
        firstMoment = try backend.full(Shape(modalities), value: 0)
        secondMoment = try backend.full(Shape(modalities), value: 0)
    }

    /// w = softmax(theta_w) [M], on the device.
    public func weights() throws -> Tensor { try ModalityGate.weights(theta: theta, backend: backend) }

    /// One Adam step with the gradient dL/dtheta_w.
    public func update(gradient: Tensor) throws {
        updates += 1
        try backend.adamStep(adam, learningRate: learningRate, step: updates, parameter: theta, gradient: gradient,
                             firstMoment: firstMoment, secondMoment: secondMoment)
    }

    /// Adam's state as checkpoint entries, and its restoration.
    func stateTensors() -> [(String, Tensor)] {
        [("theta_w", theta), ("theta_w.adam.m", firstMoment), ("theta_w.adam.v", secondMoment)]
    }

    /// The counters as checkpoint metadata, and their restoration (absent in older
    /// checkpoints: zero).
    func counterMetadata() -> [String: String] {
        ["importanceUpdates": String(updates), "lookAheadsZeroNorm": String(degenerateLookAheads.zeroNorm),
         "lookAheadsNonFiniteNorm": String(degenerateLookAheads.nonFiniteNorm)]
    }

    func restoreCounters(from metadata: [String: String], file: String) throws {
        guard let updates = metadata["importanceUpdates"].flatMap(Int.init) else {
            throw CheckpointError.corrupt(file: file, reason: "no importanceUpdates entry")
        }
        self.updates = updates
        degenerateLookAheads = DegenerateLookAheads(zeroNorm: metadata["lookAheadsZeroNorm"].flatMap(Int.init) ?? 0,
                                                    nonFiniteNorm: metadata["lookAheadsNonFiniteNorm"].flatMap(Int.init) ?? 0)
    }
}
