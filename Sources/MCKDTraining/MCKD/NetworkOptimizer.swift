import MCKDEngine

/// The network's optimiser (method.md section 4: SGD with Nesterov momentum for BraTS,
/// Adam with L2 weight decay for AV-MNIST) and its state per parameter, on the device.
public final class NetworkOptimizer {
    public enum Rule: Sendable {
        case sgd(SGDSettings)
        case adam(AdamSettings)
    }

    public let rule: Rule
    /// Per parameter, its state tensors with their checkpoint-name suffixes: "momentum";
    /// "adam.m" and "adam.v".
    let state: [[(suffix: String, tensor: Tensor)]]
    private let backend: any Backend

    /// Zeroed state for each parameter.
    /// - Parameters:
    ///   - rule: the update and its settings.
    ///   - parameters: the network's parameters, in the order `update` will get them.
    ///   - backend: where the state lives (the parameters' backend).
    public init(_ rule: Rule, parameters: [Parameter], backend: any Backend) throws {
        self.rule = rule
        self.backend = backend
        let suffixes: [String]
        switch rule {
        case .sgd: suffixes = ["momentum"]
        case .adam: suffixes = ["adam.m", "adam.v"]
        }
        state = try parameters.map { parameter in
            try suffixes.map { ($0, try backend.full(parameter.value.shape, value: 0)) }
        }
    }

    /// One update of every parameter from its gradient. `step` counts updates from 1
    /// (Adam's bias corrections).
    func update(_ parameters: [Parameter], learningRate: Float, step: Int) throws {
        for (parameter, buffers) in zip(parameters, state) {
            switch rule {
            case let .sgd(settings):
                try backend.sgdStep(settings, learningRate: learningRate, parameter: parameter.value,
                                    gradient: parameter.gradient, momentumBuffer: buffers[0].tensor)
            case let .adam(settings):
                try backend.adamStep(settings, learningRate: learningRate, step: step, parameter: parameter.value,
                                     gradient: parameter.gradient, firstMoment: buffers[0].tensor, secondMoment: buffers[1].tensor)
            }
        }
    }
}
