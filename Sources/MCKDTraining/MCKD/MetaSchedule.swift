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

/// When and how often the importance weights are updated, with the mode's defaults when
/// a value is not set (the command line's defaults).
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

    /// The meta-validation batches training step `step` takes: R when a meta step is due,
    /// else 0. The one place that decides when meta steps run (the run loop asks it, and
    /// so does a resume replaying the data).
    public func metaBatchCount(atStep step: Int) -> Int { metaStepDue(atStep: step) ? metaBatchCount : 0 }

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
