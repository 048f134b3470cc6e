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

    private func reduce(_ op: ReductionOp, _ x: Tensor, outer: Int, extent: Int, inner: Int, into out: Tensor) throws {
        let factor: Float = op == .mean ? 1 / Float(extent) : 1
        // Rows shorter than a chunk stay with reduce_partial: one work-group of 256 rows
        // costs PoCL less than a work-group per short row.
        if deviceClass == .cpu && inner == 1 && extent >= Self.reductionChunk {
            try reduceSpans(x, rows: outer, extent: extent, factor: factor, into: out)
            return
        }
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

    /// Each row's contiguous spans summed in float16 lanes (reduce_spans), then, for rows
    /// of more than one span, the spans' sums in order.
    private func reduceSpans(_ x: Tensor, rows: Int, extent: Int, factor: Float, into out: Tensor) throws {
        let chunks = (extent + Self.reductionSpan - 1) / Self.reductionSpan
        let partial = chunks == 1 ? out : try makeTensor(shape: Shape(rows * chunks))
        // Explicit-vector kernels run one work-item per group on CPU devices (engine.md).
        try launch("reduce_spans", file: "reduce", global: [rows * chunks], local: [1],
                   [.tensor(x), .tensor(partial), .int(rows), .int(extent), .int(Self.reductionSpan), .int(chunks),
                    .float(chunks == 1 ? factor : 1)])
        guard chunks > 1 else { return }
        try launch("reduce_finish", file: "reduce", global: [rows], local: [Self.elementwiseLocalSize],
                   [.tensor(partial), .tensor(out), .int(rows), .int(chunks), .int(1), .float(factor)])
    }
}
