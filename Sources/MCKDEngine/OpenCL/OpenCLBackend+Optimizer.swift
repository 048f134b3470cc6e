extension OpenCLBackend {
    public func sgdStep(_ settings: SGDSettings, learningRate: Float, parameter: Tensor, gradient: Tensor,
                        momentumBuffer: Tensor) throws {
        try requireSameShape(parameter, gradient, momentumBuffer, op: "sgdStep (parameter, gradient, momentum buffer)")
        try launch("sgd_step", file: "optimizer", global: [parameter.count], local: [Self.elementwiseLocalSize],
                   [.tensor(parameter), .tensor(gradient), .tensor(momentumBuffer), .int(parameter.count),
                    .float(learningRate), .float(settings.momentum), .float(settings.weightDecay), .int(settings.nesterov ? 1 : 0)])
    }

    public func adamStep(_ settings: AdamSettings, learningRate: Float, step: Int, parameter: Tensor, gradient: Tensor,
                         firstMoment: Tensor, secondMoment: Tensor) throws {
        try requireSameShape(parameter, gradient, firstMoment, secondMoment, op: "adamStep (parameter, gradient, moments)")
        let (stepSize, correction2) = try settings.stepScales(step: step, learningRate: learningRate)
        try launch("adam_step", file: "optimizer", global: [parameter.count], local: [Self.elementwiseLocalSize],
                   [.tensor(parameter), .tensor(gradient), .tensor(firstMoment), .tensor(secondMoment), .int(parameter.count),
                    .float(learningRate), .float(settings.beta1), .float(settings.beta2), .float(settings.epsilon),
                    .float(settings.weightDecay), .int(settings.decoupledWeightDecay ? 1 : 0),
                    .float(stepSize), .float(correction2)])
    }
}
