import MCKDEngine

/// What the importance-weight meta steps of method.md section 5 need from a trainer.
/// The gated step, the look-ahead and the finite-difference hypergradient are written
/// once (below) against it; each task supplies its gated meta loss and its KD distances.
protocol MetaStepping: AnyObject {
    /// What the look-ahead passes re-encode (the training batch and its modality sets).
    associatedtype TrainingBatch
    /// A meta-validation batch (every modality present).
    associatedtype MetaBatch

    var backend: any Backend { get }
    var importance: ImportanceWeights { get }
    /// theta: what the virtual step moves.
    var lookAheadParameters: [Parameter] { get }
    /// State a forward pass changes besides the parameters (batch norms' running
    /// statistics), restored after the look-ahead so the real step starts where it would have.
    var lookAheadState: [Tensor] { get }
    var distillationActive: Bool { get }
    /// lambda: the KD loss's weight in L_train.
    var distillationScale: Float { get }
    /// The finite-difference radius in parameter space (eps = radius / ||v||).
    var lookAheadRadius: Float { get }

    /// dL_meta/dtheta_w of the gated fusion on a meta batch, and L_meta. With
    /// `throughEncoder`, the parameters' gradients become grad_theta L_meta as well.
    func metaGradient(meta: MetaBatch, throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor)

    /// The KD distances D [M, M] of the training batch at the current parameters
    /// (encoder forward passes only).
    func distillationDistances(_ batch: TrainingBatch) throws -> Tensor
}

extension MetaStepping {
    /// Method 5.1: the network frozen, one Adam step on theta_w from the gated L_task.
    func gatedMetaStep(meta: MetaBatch) throws -> Tensor {
        let (gradient, loss) = try metaGradient(meta: meta, throughEncoder: false)
        try importance.update(gradient: gradient)
        return loss
    }

    /// Method 5.2: one Adam step on theta_w with the hypergradient.
    func bilevelMetaStep(training: TrainingBatch, meta: MetaBatch, lookAhead xi: Float) throws -> Tensor {
        let (hypergradient, metaLoss) = try bilevelHypergradient(training: training, meta: meta, lookAhead: xi)
        try importance.update(gradient: hypergradient)
        return metaLoss
    }

    /// The hypergradient h and L_meta. On entry the parameters' gradients hold
    /// g = grad_theta L_train; on exit parameters, gradients and `lookAheadState` are
    /// exactly as on entry. Device copies only: the single value read back is ||v||
    /// (4 bytes), which sets the finite-difference step.
    func bilevelHypergradient(training: TrainingBatch, meta: MetaBatch, lookAhead xi: Float) throws -> (gradient: Tensor, loss: Tensor) {
        let parameters = lookAheadParameters
        let saved = try parameters.map { parameter -> (value: Tensor, gradient: Tensor) in
            let value = try backend.makeTensor(shape: parameter.value.shape), gradient = try backend.makeTensor(shape: parameter.value.shape)
            try backend.copy(parameter.value, to: value)
            try backend.copy(parameter.gradient, to: gradient)
            return (value, gradient)
        }
        let savedState = try lookAheadState.map { tensor -> Tensor in
            let copy = try backend.makeTensor(shape: tensor.shape)
            try backend.copy(tensor, to: copy)
            return copy
        }
        // Virtual step theta' = theta - xi g, then v = grad_theta' L_meta and d = dL_meta/dtheta_w.
        for parameter in parameters { try backend.axpy(alpha: -xi, x: parameter.gradient, y: parameter.value) }
        let (direct, metaLoss) = try metaGradient(meta: meta, throughEncoder: true)

        let hypergradient = direct
        let norm = try squaredNorm(parameters.map(\.gradient))
        if distillationActive, norm > 0, norm.isFinite {
            let epsilon = lookAheadRadius / norm.squareRoot()
            var lookAheads: [Tensor] = []
            for sign: Float in [1, -1] {
                for (parameter, copy) in zip(parameters, saved) {
                    try backend.copy(copy.value, to: parameter.value)
                    try backend.axpy(alpha: sign * epsilon, x: parameter.gradient, y: parameter.value)
                }
                let distances = try distillationDistances(training)
                let gradient = try backend.makeTensor(shape: importance.theta.shape)
                try backend.distillationThetaGradient(distances: distances, thetaW: importance.theta, scale: distillationScale,
                                                      into: gradient)
                lookAheads.append(gradient)
            }
            // h = d - xi (grad_w L_train(theta+) - grad_w L_train(theta-)) / (2 eps)
            try backend.axpy(alpha: -xi / (2 * epsilon), x: lookAheads[0], y: hypergradient)
            try backend.axpy(alpha: xi / (2 * epsilon), x: lookAheads[1], y: hypergradient)
        }
        for (parameter, copy) in zip(parameters, saved) {
            try backend.copy(copy.value, to: parameter.value)
            try backend.copy(copy.gradient, to: parameter.gradient)
        }
        for (tensor, copy) in zip(lookAheadState, savedState) { try backend.copy(copy, to: tensor) }
        return (hypergradient, metaLoss)
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
