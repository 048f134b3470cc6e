import MCKDEngine

/// Device copies of what a meta step disturbs in the network (parameter values, for the
/// look-ahead; parameter gradients, which every backward overwrites; state such as batch
/// norms' running statistics, which training-mode forwards move), and their exact
/// restoration: after `restore()` the network's step is the one it would have been
/// without the meta step. Nothing passes through the host.
struct NetworkSnapshot {
    private let backend: any Backend
    private let parameters: [Parameter]
    /// Parameter values at theta (nil when the meta step leaves them alone).
    private let values: [Tensor]?
    private let gradients: [Tensor]
    private let state: [(live: Tensor, copy: Tensor)]

    init(parameters: [Parameter], state: [Tensor], includingValues: Bool, backend: any Backend) throws {
        func copy(_ tensor: Tensor) throws -> Tensor {
            let copy = try backend.makeTensor(shape: tensor.shape)
            try backend.copy(tensor, to: copy)
            return copy
        }
        self.backend = backend
        self.parameters = parameters
        values = includingValues ? try parameters.map { try copy($0.value) } : nil
        gradients = try parameters.map { try copy($0.gradient) }
        self.state = try state.map { ($0, try copy($0)) }
    }

    /// Sets every parameter to theta + alpha * direction_k, direction_k being (now) the
    /// parameter's own gradient buffer: the look-ahead's theta +- eps v.
    func moveValues(alongGradients alpha: Float) throws {
        guard let values else { throw EngineError.invalidArgument("network snapshot: parameter values were not kept") }
        for (parameter, value) in zip(parameters, values) {
            try backend.copy(value, to: parameter.value)
            try backend.axpy(alpha: alpha, x: parameter.gradient, y: parameter.value)
        }
    }

    /// Parameters (if kept), gradients and state exactly as when the snapshot was taken.
    func restore() throws {
        if let values {
            for (parameter, value) in zip(parameters, values) { try backend.copy(value, to: parameter.value) }
        }
        for (parameter, gradient) in zip(parameters, gradients) { try backend.copy(gradient, to: parameter.gradient) }
        for (live, copy) in state { try backend.copy(copy, to: live) }
    }
}
