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

    /// Elements one work-item of `reduce_spans` sums (CPU devices, inner 1): PoCL pays
    /// per work-group, and a span this long makes that cost small beside its reads.
    static let reductionSpan = 4096

    /// Pass 1 sums chunks of the axis into partials (into `out` itself, the factor
    /// applied, when the axis is one chunk); pass 2 sums each output's chunks in order.
    private func reduce(_ op: ReductionOp, _ x: Tensor, outer: Int, extent: Int, inner: Int, into out: Tensor) throws {
        let factor: Float = op == .mean ? 1 / Float(extent) : 1
        let local = Self.elementwiseLocalSize
        // CPU devices sum rows along the last axis in float16 spans; rows shorter than a
        // chunk stay with reduce_partial (one work-group of 256 rows costs PoCL less than
        // a work-group per short row), which takes an axis of up to 4 chunks in one pass.
        let spans = deviceClass == .cpu && inner == 1 && extent >= Self.reductionChunk
        let chunk = spans ? Self.reductionSpan : extent <= 4 * Self.reductionChunk ? max(1, extent) : Self.reductionChunk
        let chunks = (extent + chunk - 1) / chunk
        let partial = chunks == 1 ? out : try makeTensor(shape: Shape(outer * chunks * inner))
        let firstFactor: Float = chunks == 1 ? factor : 1
        if spans {
            // Explicit-vector kernels run one work-item per group on CPU devices (engine.md).
            try launch("reduce_spans", file: "reduce", global: [outer * chunks], local: [1],
                       [.tensor(x), .tensor(partial), .int(outer), .int(extent), .int(chunk), .int(chunks), .float(firstFactor)])
        } else {
            try launch("reduce_partial", file: "reduce", global: [outer * chunks * inner], local: [local],
                       [.tensor(x), .tensor(partial), .int(outer), .int(extent), .int(inner),
                        .int(chunk), .int(chunks), .float(firstFactor)])
        }
        guard chunks > 1 else { return }
        try launch("reduce_finish", file: "reduce", global: [outer * inner], local: [local],
                   [.tensor(partial), .tensor(out), .int(outer), .int(chunks), .int(inner), .float(factor)])
    }
}
