import MCKDEngine

/// The importance-weight meta steps of method.md section 5 (gated 5.1, bi-level 5.2).
extension SegmentationTrainer {
    /// dL_meta/dtheta_w of the gated fusion on a meta-validation batch with every
    /// modality present, and L_meta. With `throughEncoder`, the parameters' gradients
    /// become grad_theta L_meta as well.
    func metaGradient(meta: (input: Tensor, targets: Tensor), throughEncoder: Bool) throws -> (gradient: Tensor, loss: Tensor) {
        let weights = try importance.weights()
        let (logits, _) = try model.forward(meta.input, available: .all(model.architecture.modalities), gateWeights: weights)
        let (dice, crossEntropy, gradLogits) = try taskLoss(logits: logits, targets: meta.targets)
        try backend.axpy(alpha: 1, x: crossEntropy, y: dice)
        guard let gradWeights = try model.backward(gradLogits: gradLogits, throughEncoder: throughEncoder) else {
            throw EngineError.invalidArgument("gated forward produced no weight gradient")
        }
        return (try ModalityGate.thetaGradient(weights: weights, gradWeights: gradWeights, backend: backend), dice)
    }

    /// Method 5.1: the network frozen, one Adam step on theta_w from the gated L_task.
    func gatedMetaStep(meta: (input: Tensor, targets: Tensor)) throws -> Tensor {
        let (gradient, loss) = try metaGradient(meta: meta, throughEncoder: false)
        try importance.update(gradient: gradient)
        return loss
    }

    /// Method 5.2: one Adam step on theta_w with the hypergradient.
    func bilevelMetaStep(trainInput: Tensor, available: ModalitySet, meta: (input: Tensor, targets: Tensor),
                         lookAhead xi: Float) throws -> Tensor {
        let (hypergradient, metaLoss) = try bilevelHypergradient(trainInput: trainInput, available: available, meta: meta, lookAhead: xi)
        try importance.update(gradient: hypergradient)
        return metaLoss
    }

    /// The hypergradient h and L_meta. On entry the parameters' gradients hold
    /// g = grad_theta L_train; on exit parameters and gradients are exactly as on entry.
    /// Device copies only: the single value read back is ||v|| (4 bytes), which sets
    /// the finite-difference step.
    func bilevelHypergradient(trainInput: Tensor, available: ModalitySet, meta: (input: Tensor, targets: Tensor),
                              lookAhead xi: Float) throws -> (gradient: Tensor, loss: Tensor) {
        let parameters = model.parameters
        let saved = try parameters.map { parameter -> (value: Tensor, gradient: Tensor) in
            let value = try backend.makeTensor(shape: parameter.value.shape), gradient = try backend.makeTensor(shape: parameter.value.shape)
            try backend.copy(parameter.value, to: value)
            try backend.copy(parameter.gradient, to: gradient)
            return (value, gradient)
        }
        // Virtual step theta' = theta - xi g, then v = grad_theta' L_meta and d = dL_meta/dtheta_w.
        for parameter in parameters { try backend.axpy(alpha: -xi, x: parameter.gradient, y: parameter.value) }
        let (direct, metaLoss) = try metaGradient(meta: meta, throughEncoder: true)

        let hypergradient = direct
        let norm = try squaredNorm(parameters.map(\.gradient))
        if settings.distillation != .none, norm > 0, norm.isFinite {
            let epsilon = settings.lookAheadRadius / norm.squareRoot()
            var lookAheads: [Tensor] = []
            for sign: Float in [1, -1] {
                for (parameter, copy) in zip(parameters, saved) {
                    try backend.copy(copy.value, to: parameter.value)
                    try backend.axpy(alpha: sign * epsilon, x: parameter.gradient, y: parameter.value)
                }
                let bottleneck = try model.encode(trainInput, available: available).last!
                let distances = try distillationLoss(bottleneck, available: available, withGradient: false).distances
                let gradient = try backend.makeTensor(shape: thetaW.shape)
                try backend.distillationThetaGradient(distances: distances, thetaW: thetaW, scale: settings.distillationWeight,
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
