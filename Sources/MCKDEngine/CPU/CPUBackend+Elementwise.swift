import RealModule

extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func fill(_ tensor: Tensor, with value: Float) throws {
        let out = try buffer(tensor)
        let v = Scalar(value)
        parallelFor(out.count) { range in for i in range { out[i] = v } }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func copy(_ source: Tensor, to destination: Tensor) throws {
        try requireSameShape(source, destination, op: "copy")
        let x = try buffer(source), out = try buffer(destination)
        parallelFor(out.count) { range in for i in range { out[i] = x[i] } }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try requireSameShape(a, b, out, op: "binary \(op)")
        let x = try buffer(a), y = try buffer(b), z = try buffer(out)
        parallelFor(z.count) { range in
            switch op {
            case .add: for i in range { z[i] = x[i] + y[i] }
            case .sub: for i in range { z[i] = x[i] - y[i] }
            case .mul: for i in range { z[i] = x[i] * y[i] }
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func scale(_ x: Tensor, by alpha: Float, into out: Tensor) throws {
        try requireSameShape(x, out, op: "scale")
        let a = Scalar(alpha), input = try buffer(x), z = try buffer(out)
        parallelFor(z.count) { range in for i in range { z[i] = a * input[i] } }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func axpy(alpha: Float, x: Tensor, y: Tensor) throws {
        try requireSameShape(x, y, op: "axpy")
        let a = Scalar(alpha), input = try buffer(x), z = try buffer(y)
        parallelFor(z.count) { range in for i in range { z[i] += a * input[i] } }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func unary(_ op: UnaryOp, _ x: Tensor, into out: Tensor) throws {
        try requireSameShape(x, out, op: "unary \(op)")
        let input = try buffer(x), z = try buffer(out)
        let f = Self.function(op)
        parallelFor(z.count) { range in for i in range { z[i] = f(input[i]) } }
    }

    /// The scalar function of a unary op; NaN and Inf pass through as the maths says.
    static func function(_ op: UnaryOp) -> (Scalar) -> Scalar {
        switch op {
        case .neg: return { -$0 }
        case .abs: return { Swift.abs($0) }
        case .square: return { $0 * $0 }
        case .sqrt: return { Scalar.sqrt($0) }
        case .exp: return { Scalar.exp($0) }
        case .log: return { Scalar.log($0) }
        case .relu: return { $0.isNaN ? $0 : ($0 > 0 ? $0 : 0) }
        case .sigmoid: return { x in
            // Evaluated on the side where exp cannot overflow.
            x >= 0 ? 1 / (1 + Scalar.exp(-x)) : Scalar.exp(x) / (1 + Scalar.exp(x))
        }
        case .tanh: return { Scalar.tanh($0) }
        case .reciprocal: return { 1 / $0 }
        }
    }
}
