extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func sgdStep(_ settings: SGDSettings, learningRate: Float, parameter: Tensor, gradient: Tensor,
                        momentumBuffer: Tensor) throws {
        try requireSameShape(parameter, gradient, momentumBuffer, op: "sgdStep (parameter, gradient, momentum buffer)")
        let p = try buffer(parameter), g = try buffer(gradient), buf = try buffer(momentumBuffer)
        let lr = Scalar(learningRate), mu = Scalar(settings.momentum), wd = Scalar(settings.weightDecay)
        let nesterov = settings.nesterov
        parallelFor(p.count) { range in
            for i in range {
                // Like PyTorch, weight decay is skipped when zero (so an Inf parameter does not poison g).
                let grad = wd != 0 ? g[i] + wd * p[i] : g[i]
                let b = mu * buf[i] + grad
                buf[i] = b
                p[i] -= lr * (nesterov ? grad + mu * b : b)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func adamStep(_ settings: AdamSettings, learningRate: Float, step: Int, parameter: Tensor, gradient: Tensor,
                         firstMoment: Tensor, secondMoment: Tensor) throws {
        try requireSameShape(parameter, gradient, firstMoment, secondMoment, op: "adamStep (parameter, gradient, moments)")
        let (stepSize, correction2) = try settings.stepScales(step: step, learningRate: learningRate)
        let p = try buffer(parameter), g = try buffer(gradient), m = try buffer(firstMoment), v = try buffer(secondMoment)
        let beta1 = Scalar(settings.beta1), beta2 = Scalar(settings.beta2), eps = Scalar(settings.epsilon)
        let wd = Scalar(settings.weightDecay), lr = Scalar(learningRate)
        let size = Scalar(stepSize), sqrtCorrection2 = Scalar(correction2)
        let decoupled = settings.decoupledWeightDecay
        parallelFor(p.count) { range in
            for i in range {
                var param = p[i], grad = g[i]
                if decoupled { param *= 1 - lr * wd } else if wd != 0 { grad += wd * param }
                let first = beta1 * m[i] + (1 - beta1) * grad
                let second = beta2 * v[i] + (1 - beta2) * grad * grad
                m[i] = first
                v[i] = second
                p[i] = param - size * first / (second.squareRoot() / sqrtCorrection2 + eps)
            }
        }
    }
}
