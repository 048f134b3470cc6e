extension OpenCLBackend {
    /// Elements one work-item sums in order before the second pass takes over.
    static let reductionChunk = 1024

    public func reduce(_ op: ReductionOp, _ x: Tensor, axis: Int, into out: Tensor) throws {
        try validateReduction(of: x, along: axis, into: out)
        let (outer, extent, inner) = x.shape.split(at: axis)
        try reduce(op, x, outer: outer, extent: extent, inner: inner, into: out)
    }

    public func reduceAll(_ op: ReductionOp, _ x: Tensor, into out: Tensor) throws {
        try validateReduceAll(into: out)
        try reduce(op, x, outer: 1, extent: x.count, inner: 1, into: out)
    }

    private func reduce(_ op: ReductionOp, _ x: Tensor, outer: Int, extent: Int, inner: Int, into out: Tensor) throws {
        let factor: Float = op == .mean ? 1 / Float(extent) : 1
        let local = Self.elementwiseLocalSize
        if extent <= 4 * Self.reductionChunk {
            try launch("reduce_partial", file: "reduce", global: [outer * inner], local: [local],
                       [.tensor(x), .tensor(out), .int(outer), .int(extent), .int(inner),
                        .int(extent), .int(1), .float(factor)])
            return
        }
        let chunks = (extent + Self.reductionChunk - 1) / Self.reductionChunk
        let partial = try makeTensor(shape: Shape(outer * chunks * inner))
        try launch("reduce_partial", file: "reduce", global: [outer * chunks * inner], local: [local],
                   [.tensor(x), .tensor(partial), .int(outer), .int(extent), .int(inner),
                    .int(Self.reductionChunk), .int(chunks), .float(1)])
        try launch("reduce_finish", file: "reduce", global: [outer * inner], local: [local],
                   [.tensor(partial), .tensor(out), .int(outer), .int(chunks), .int(inner), .float(factor)])
    }
}
