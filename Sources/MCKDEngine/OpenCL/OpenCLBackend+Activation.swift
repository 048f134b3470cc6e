extension OpenCLBackend {
    public func activationForward(_ kind: ActivationKind, x: Tensor, into y: Tensor) throws {
        try requireSameShape(x, y, op: "activation \(kind)")
        switch kind {
        case .relu, .leakyReLU:
            try launch("leaky_relu_forward", file: "activation", global: [y.count], local: [Self.elementwiseLocalSize],
                       [.tensor(x), .tensor(y), .int(y.count), .float(kind.slope)])
        case .sigmoid:
            try launch("sigmoid_forward", file: "activation", global: [y.count], local: [Self.elementwiseLocalSize],
                       [.tensor(x), .tensor(y), .int(y.count)])
        }
    }

    public func activationBackward(_ kind: ActivationKind, x: Tensor, y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws {
        try requireSameShape(x, y, gradOutput, gradInput, op: "activation \(kind) backward")
        switch kind {
        case .relu, .leakyReLU:
            try launch("leaky_relu_backward", file: "activation", global: [x.count], local: [Self.elementwiseLocalSize],
                       [.tensor(x), .tensor(gradOutput), .tensor(gradInput), .int(x.count), .float(kind.slope)])
        case .sigmoid:
            try launch("sigmoid_backward", file: "activation", global: [x.count], local: [Self.elementwiseLocalSize],
                       [.tensor(y), .tensor(gradOutput), .tensor(gradInput), .int(x.count)])
        }
    }

    public func softmaxForward(x: Tensor, into y: Tensor) throws {
        try requireSameShape(x, y, op: "softmax")
        let (outer, channels, inner) = try softmaxView(x, op: "softmax")
        try launch("softmax_forward", file: "activation", global: [outer * inner], local: [Self.elementwiseLocalSize],
                   [.tensor(x), .tensor(y), .int(outer), .int(channels), .int(inner)])
    }

    public func softmaxBackward(y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws {
        try requireSameShape(y, gradOutput, gradInput, op: "softmax backward")
        let (outer, channels, inner) = try softmaxView(y, op: "softmax backward")
        try launch("softmax_backward", file: "activation", global: [outer * inner], local: [Self.elementwiseLocalSize],
                   [.tensor(y), .tensor(gradOutput), .tensor(gradInput), .int(outer), .int(channels), .int(inner)])
    }

    public func dropoutForward(x: Tensor, probability: Float, seed: UInt64, stream: UInt64, into y: Tensor, mask: Tensor) throws {
        try requireSameShape(x, y, mask, op: "dropout")
        let scale = try dropoutScale(probability)
        // The uniforms come from the shared generator, so the mask is bitwise the CPU reference's.
        try fillRandom(mask, .uniform(low: 0, high: 1), seed: seed, stream: stream)
        try launch("dropout_apply", file: "activation", global: [y.count], local: [Self.elementwiseLocalSize],
                   [.tensor(x), .tensor(mask), .tensor(y), .int(y.count), .float(probability), .float(scale)])
    }
}
