extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func activationForward(_ kind: ActivationKind, x: Tensor, into y: Tensor) throws {
        try requireSameShape(x, y, op: "activation \(kind)")
        let input = try buffer(x), out = try buffer(y)
        switch kind {
        case .relu, .leakyReLU:
            let slope = Scalar(kind.slope)
            // slope 0 is ReLU: negative inputs (-inf included) give exactly 0; NaN passes through.
            parallelFor(out.count) { range in
                for i in range { let v = input[i]; out[i] = v > 0 || v.isNaN ? v : (slope == 0 ? 0 : slope * v) }
            }
        case .sigmoid:
            // The loss's stable logistic (CPUBackend+Loss.swift).
            parallelFor(out.count) { range in for i in range { out[i] = Self.sigmoid(input[i]) } }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func activationBackward(_ kind: ActivationKind, x: Tensor, y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws {
        try requireSameShape(x, y, gradOutput, gradInput, op: "activation \(kind) backward")
        let g = try buffer(gradOutput), out = try buffer(gradInput)
        switch kind {
        case .relu, .leakyReLU:
            let input = try buffer(x), slope = Scalar(kind.slope)
            parallelFor(out.count) { range in
                for i in range {
                    let v = input[i]
                    out[i] = v > 0 ? g[i] : (v.isNaN ? v : (slope == 0 ? 0 : slope * g[i]))
                }
            }
        case .sigmoid:
            let output = try buffer(y)
            parallelFor(out.count) { range in for i in range { out[i] = g[i] * output[i] * (1 - output[i]) } }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func softmaxForward(x: Tensor, into y: Tensor) throws {
        try requireSameShape(x, y, op: "softmax")
        let (outer, channels, inner) = try softmaxView(x, op: "softmax")
        let input = try buffer(x), out = try buffer(y)
        // One (sample, voxel) column per task: max, then sum of exp(x - max) in channel order.
        parallelFor(outer * inner, minimumChunk: max(1, 16_384 / channels)) { range in
            for column in range {
                let base = (column / inner) * channels * inner + column % inner
                var maximum = input[base]
                for c in 1..<max(1, channels) {
                    let v = input[base + c * inner]
                    if v > maximum || v.isNaN { maximum = v }
                }
                var sum = 0.0
                for c in 0..<channels { sum += Double(Scalar.exp(input[base + c * inner] - maximum)) }
                for c in 0..<channels { out[base + c * inner] = Scalar(Double(Scalar.exp(input[base + c * inner] - maximum)) / sum) }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func softmaxBackward(y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws {
        try requireSameShape(y, gradOutput, gradInput, op: "softmax backward")
        let (outer, channels, inner) = try softmaxView(y, op: "softmax backward")
        let output = try buffer(y), g = try buffer(gradOutput), out = try buffer(gradInput)
        parallelFor(outer * inner, minimumChunk: max(1, 16_384 / channels)) { range in
            for column in range {
                let base = (column / inner) * channels * inner + column % inner
                var dot = 0.0
                for c in 0..<channels { dot += Double(g[base + c * inner] * output[base + c * inner]) }
                for c in 0..<channels {
                    let i = base + c * inner
                    out[i] = output[i] * (g[i] - Scalar(dot))
                }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func dropoutForward(x: Tensor, probability: Float, seed: UInt64, stream: UInt64, into y: Tensor, mask: Tensor) throws {
        try requireSameShape(x, y, mask, op: "dropout")
        let keepScale = try dropoutScale(probability)
        try fillRandom(mask, .uniform(low: 0, high: 1), seed: seed, stream: stream)
        let input = try buffer(x), out = try buffer(y), m = try buffer(mask)
        let scale = Scalar(keepScale), p = Scalar(probability)
        parallelFor(out.count) { range in
            for i in range {
                m[i] = m[i] >= p ? scale : 0
                out[i] = input[i] * m[i]
            }
        }
    }
}

extension ActivationKind {
    /// The negative-side slope: 0 for ReLU; sigmoid has none.
    var slope: Float {
        switch self {
        case .relu, .sigmoid: return 0
        case .leakyReLU(let slope): return slope
        }
    }
}

/// Views x as [outer, channels, inner] around axis 1.
func softmaxView(_ x: Tensor, op: String) throws -> (outer: Int, channels: Int, inner: Int) {
    guard x.shape.rank >= 2 else { throw EngineError.shapeMismatch("\(op): needs a channel axis (rank >= 2), got \(x.shape)") }
    let (outer, channels, inner) = x.shape.split(at: 1)
    return (outer, channels, inner)
}

/// 1 / (1 - p) for kept elements; p = 1 drops everything.
func dropoutScale(_ probability: Float) throws -> Float {
    guard probability >= 0, probability <= 1 else {
        throw EngineError.invalidArgument("dropout: probability \(probability) is outside [0, 1]")
    }
    return probability < 1 ? 1 / (1 - probability) : 0
}
