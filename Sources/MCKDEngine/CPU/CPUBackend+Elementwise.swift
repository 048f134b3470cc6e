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
}
