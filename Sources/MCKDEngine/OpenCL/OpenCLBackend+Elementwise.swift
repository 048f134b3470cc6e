extension OpenCLBackend {
    /// Local size of the 1D elementwise kernels: fixed, so PoCL compiles each kernel once.
    static let elementwiseLocalSize = 256

    private func launchElementwise(_ kernel: String, count: Int, _ arguments: [KernelArgument]) throws {
        try launch(kernel, file: "elementwise", global: [count], local: [Self.elementwiseLocalSize], arguments)
    }

    public func fill(_ tensor: Tensor, with value: Float) throws {
        try launchElementwise("fill", count: tensor.count, [.tensor(tensor), .int(tensor.count), .float(value)])
    }

    public func copy(_ source: Tensor, to destination: Tensor) throws {
        try requireSameShape(source, destination, op: "copy")
        try launchElementwise("copy", count: source.count, [.tensor(source), .tensor(destination), .int(source.count)])
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try requireSameShape(a, b, out, op: "binary \(op)")
        try launchElementwise("binary_\(op.rawValue)", count: out.count, [.tensor(a), .tensor(b), .tensor(out), .int(out.count)])
    }

    public func scale(_ x: Tensor, by alpha: Float, into out: Tensor) throws {
        try requireSameShape(x, out, op: "scale")
        try launchElementwise("scale", count: out.count, [.tensor(x), .tensor(out), .int(out.count), .float(alpha)])
    }

    public func axpy(alpha: Float, x: Tensor, y: Tensor) throws {
        try requireSameShape(x, y, op: "axpy")
        try launchElementwise("axpy", count: y.count, [.tensor(x), .tensor(y), .int(y.count), .float(alpha)])
    }

    public func fillRandom(_ tensor: Tensor, _ distribution: RandomDistribution, seed: UInt64, stream: UInt64) throws {
        let key: [KernelArgument] = [
            .uint(UInt32(truncatingIfNeeded: seed)), .uint(UInt32(truncatingIfNeeded: seed >> 32)),
            .uint(UInt32(truncatingIfNeeded: stream)), .uint(UInt32(truncatingIfNeeded: stream >> 32)),
        ]
        let head: [KernelArgument] = [.tensor(tensor), .int(tensor.count)]
        let vector = vectorizedRandomFills
        let suffix = vector ? "8" : ""
        let global = vector ? (tensor.count + 7) / 8 : tensor.count
        let local = vector ? 8 : Self.elementwiseLocalSize
        switch distribution {
        case let .uniform(low, high):
            try launch("fill_uniform\(suffix)", file: "random", global: [global], local: [local],
                       head + key + [.float(low), .float(high)])
        case let .normal(mean, standardDeviation):
            try launch("fill_normal\(suffix)", file: "random", global: [global], local: [local],
                       head + key + [.float(mean), .float(standardDeviation)])
        }
    }
}
