import MCKDEngine

/// What one meta step did (method.md section 5), for the log.
public struct MetaStepReport {
    /// L_meta, the mean over the step's meta-validation batches (a one-element device tensor).
    public let loss: Tensor
    /// Adam steps taken on theta_w: R for gated; 1 for bi-level, 0 when ||v|| was not finite.
    public let updates: Int
    /// The bi-level finite difference's fate; nil for gated.
    public let lookAhead: LookAheadOutcome?
}

/// How the bi-level step's finite-difference term went.
public enum LookAheadOutcome: String, Sendable {
    case applied
    /// No KD loss: L_train does not depend on theta_w, the term is zero.
    case noDistillation = "no-kd"
    /// ||v|| = 0: the term is exactly zero (h = d).
    case zeroNorm = "zero-norm"
    /// ||v|| NaN or infinite: no hypergradient, no update of theta_w.
    case nonFiniteNorm = "non-finite-norm"
}

/// What the importance-weight meta steps of method.md section 5 need from a trainer
/// besides its model and settings. The gated step, the look-ahead and the
/// finite-difference hypergradient are written once (below) against it; each task
/// supplies its gated meta loss and its KD distances.
protocol MetaStepping: MCKDTrainer {
    /// What the look-ahead passes re-encode: the training batch, its modality sets and
    /// its KD features at theta (from the training forward).
    associatedtype TrainingBatch
    /// A meta-validation batch (every modality present).
    associatedtype MetaBatch

    /// dL_meta/dtheta_w of the gated fusion on a meta batch, and L_meta. With
    /// `throughEncoder`, the parameters' gradients become grad_theta L_meta as well.
    /// `pass` numbers the meta step's batches (AV-MNIST draws its head's dropout from it).
    func metaGradient(meta: MetaBatch, pass: Int, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor)

    /// The KD distances D [M, M] of the training batch with the student side at the
    /// current parameters (encoder forward passes only); the teacher side too, unless
    /// `teacherAtTheta`, which reads it from the batch's features at theta.
    func lookAheadDistances(_ batch: TrainingBatch, teacherAtTheta: Bool) throws -> Tensor
}

extension MetaStepping {
    private var backend: any Backend { model.backend }
    /// theta: what the virtual step moves.
    private var lookAheadParameters: [Parameter] { model.parameters }
    /// State a forward pass changes besides the parameters (batch norms' running
    /// statistics), restored after a meta step so the real step starts where it would have.
    private var lookAheadState: [Tensor] { model.runningStatistics.map(\.tensor) }

    /// The meta step of `mode` on the given meta-validation batches; nil for `off`.
    func runMetaStep(mode: MetaMode, training: [TrainingBatch], meta: [MetaBatch], lookAhead xi: Float) throws -> MetaStepReport? {
        switch mode {
        case .gated: return try gatedMetaStep(meta: meta)
        case .bilevel:
            guard meta.count == 1 else { throw EngineError.invalidArgument("the bi-level meta step takes one meta-validation batch, got \(meta.count)") }
            return try bilevelMetaStep(training: training, meta: meta[0], lookAhead: xi)
        case .off: return nil
        }
    }

    /// Method 5.1: the network frozen, one Adam step on theta_w from the gated L_task per
    /// meta-validation batch. The meta backward writes the decoder's (head's) gradients and
    /// the gated forward moves batch-norm statistics: both are restored, so the network's
    /// update is exactly the one of a step without the meta step.
    func gatedMetaStep(meta: [MetaBatch]) throws -> MetaStepReport {
        let snapshot = try NetworkSnapshot(parameters: lookAheadParameters, state: lookAheadState, includingValues: false, backend: backend)
        let total = try backend.full([1], value: 0)
        for (pass, batch) in meta.enumerated() {
            let (gradient, loss) = try metaGradient(meta: batch, pass: pass, throughEncoder: false)
            try importance.update(gradient: gradient)
            try backend.axpy(alpha: 1 / Float(meta.count), x: loss, y: total)
        }
        try snapshot.restore()
        return MetaStepReport(loss: total, updates: meta.count, lookAhead: nil)
    }

    /// Method 5.2: one Adam step on theta_w with the hypergradient; a degenerate ||v|| is
    /// counted (and a non-finite one skips the update).
    func bilevelMetaStep(training: [TrainingBatch], meta: MetaBatch, lookAhead xi: Float) throws -> MetaStepReport {
        let (hypergradient, metaLoss, outcome) = try bilevelHypergradient(training: training, meta: meta, lookAhead: xi)
        switch outcome {
        case .zeroNorm: importance.degenerateLookAheads.zeroNorm += 1
        case .nonFiniteNorm: importance.degenerateLookAheads.nonFiniteNorm += 1
        case .applied, .noDistillation: break
        }
        if let hypergradient { try importance.update(gradient: hypergradient) }
        return MetaStepReport(loss: metaLoss, updates: hypergradient == nil ? 0 : 1, lookAhead: outcome)
    }

    /// The hypergradient h (nil when ||v|| is not finite), L_meta and what the finite
    /// difference did. `training` holds this rank's micro-batches; their distances D+-
    /// are averaged over every rank's micro-batches (the averaged gradient's D). On entry the parameters' gradients hold g = grad_theta L_train; on
    /// exit parameters, gradients and `lookAheadState` are exactly as on entry. Device
    /// copies only: the single value read back is ||v|| (4 bytes), which sets the
    /// finite-difference step.
    ///
    /// With g(theta, w) the gradient of the real step, d/dw L_meta(theta - xi g, w) =
    /// d - xi (dg/dw)^T v, and (dg/dw)^T v = lambda sum_ij <v, grad_theta D_ij> d(w_i/w_j)/dw,
    /// the gradient of D_ij taken the way g takes it: through the student only when the
    /// teacher is detached. The central difference of D_ij along v gives exactly that when
    /// only the parts of D_ij that g differentiates move to theta +- eps v.
    func bilevelHypergradient(training: [TrainingBatch], meta: MetaBatch, lookAhead xi: Float) throws
        -> (gradient: Tensor?, loss: Tensor, outcome: LookAheadOutcome) {
        let parameters = lookAheadParameters
        let snapshot = try NetworkSnapshot(parameters: parameters, state: lookAheadState, includingValues: true, backend: backend)
        // Virtual step theta' = theta - xi g, then v = grad_theta' L_meta and d = dL_meta/dtheta_w.
        for parameter in parameters { try backend.axpy(alpha: -xi, x: parameter.gradient, y: parameter.value) }
        let (direct, metaLoss) = try metaGradient(meta: meta, pass: 0, throughEncoder: true)

        var hypergradient: Tensor? = direct, outcome = LookAheadOutcome.noDistillation
        if settings.method.distillation != nil {
            let norm = try lookAheadSquaredNorm(parameters.map(\.gradient))
            if norm == 0 {
                outcome = .zeroNorm
            } else if !norm.isFinite {
                (hypergradient, outcome) = (nil, .nonFiniteNorm)
            } else {
                outcome = .applied
                let epsilon = settings.method.lookAheadRadius / norm.squareRoot()
                var lookAheads: [Tensor] = []
                for sign: Float in [1, -1] {
                    try snapshot.moveValues(alongGradients: sign * epsilon)
                    let distances = try averagedDistances(try training.map { try lookAheadDistances($0, teacherAtTheta: settings.method.detachTeacher) })
                    let gradient = try backend.makeTensor(shape: importance.theta.shape)
                    try backend.distillationThetaGradient(distances: distances, thetaW: importance.theta,
                                                          scale: settings.method.distillationWeight, into: gradient)
                    lookAheads.append(gradient)
                }
                // h = d - xi (grad_w L_train(theta+) - grad_w L_train(theta-)) / (2 eps)
                try backend.axpy(alpha: -xi / (2 * epsilon), x: lookAheads[0], y: direct)
                try backend.axpy(alpha: xi / (2 * epsilon), x: lookAheads[1], y: direct)
            }
        }
        try snapshot.restore()
        return (hypergradient, metaLoss, outcome)
    }

    /// The mean of the micro-batches' distances over every rank (`DataParallel.average`);
    /// the one batch's own tensor for one process and micro-batch.
    private func averagedDistances(_ distances: [Tensor]) throws -> Tensor {
        guard !state.parallel.isSingle else { return distances[0] }
        let mean = try state.parallel.average(try distances.map { try backend.download($0) }, name: "look-ahead distances")
        return try backend.upload(mean, shape: distances[0].shape)
    }

    /// dL/dtheta_w through the softmax from the dL/dw that a gated backward returned.
    func thetaGradient(weights: Tensor, gatedGradient: Tensor?) throws -> Tensor {
        guard let gatedGradient else { throw EngineError.invalidArgument("gated forward produced no weight gradient") }
        return try importance.thetaGradient(weights: weights, gradWeights: gatedGradient)
    }

    /// ||v||^2 for the finite difference. A dry-run backend (memory plans) reads zeros;
    /// its plan must include the look-ahead passes a real step takes, so it reads 1.
    private func lookAheadSquaredNorm(_ v: [Tensor]) throws -> Float {
        let norm = try squaredNorm(v)
        return (backend as? OpenCLBackend)?.isDryRun == true ? 1 : norm
    }

    /// sum of squares of all the tensors, accumulated on the device in a fixed order
    /// (one GEMM dot product per tensor with beta = 1), then read back.
    func squaredNorm(_ tensors: [Tensor]) throws -> Float {
        let total = try backend.full([1], value: 0)
        for tensor in tensors {
            var dot = GEMMDescriptor(transposeB: true, m: 1, n: 1, k: tensor.count, alpha: 1, beta: 1)
            dot.ldb = tensor.count
            try backend.gemm(dot, a: tensor, b: tensor, c: total)
        }
        return try backend.scalar(total)
    }
}
