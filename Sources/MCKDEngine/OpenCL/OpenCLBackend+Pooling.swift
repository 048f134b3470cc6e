extension OpenCLBackend {
    /// Elements one work-item sums in order in the first pass of a row reduction.
    static let rowReductionChunk = 4096

    /// Work-group of the 3D (w, h, volume * depth + d) launches: one 16-wide vector along w.
    static let volumeLocalSize = [16, 1, 1]

    /// The 3D launch size covering an NCDHW extent.
    static func volumeGlobalSize(_ e: PoolGeometry.Extent) -> [Int] { [e.w, e.h, e.volumes * e.d] }

    private func poolDefines(_ p: PoolingDescriptor) -> [String] {
        zip(["KD", "KH", "KW", "SD", "SH", "SW", "PD", "PH", "PW"], p.kernel.values + p.stride.values + p.padding.values)
            .map { "\($0)=\($1)" }
    }

    private func poolSizes(_ g: PoolGeometry) -> [KernelArgument] {
        [.int(g.input.volumes), .int(g.input.d), .int(g.input.h), .int(g.input.w), .int(g.output.d), .int(g.output.h), .int(g.output.w)]
    }

    public func maxPoolForward(_ p: PoolingDescriptor, x: Tensor, into y: Tensor, argmax: Tensor) throws {
        let geometry = try PoolGeometry(p, input: x, output: y, op: "maxPool")
        try requireTensorShape(argmax, y.shape, op: "maxPool", name: "argmax")
        try launch("max_pool_forward", file: "pooling", defines: poolDefines(p), global: Self.volumeGlobalSize(geometry.output), local: Self.volumeLocalSize,
                   [.tensor(x), .tensor(y), .tensor(argmax)] + poolSizes(geometry))
    }

    public func maxPoolBackward(_ p: PoolingDescriptor, gradOutput: Tensor, argmax: Tensor, into gradInput: Tensor) throws {
        let geometry = try PoolGeometry(p, input: gradInput, output: gradOutput, op: "maxPool backward")
        try requireTensorShape(argmax, gradOutput.shape, op: "maxPool backward", name: "argmax")
        try launch("max_pool_backward", file: "pooling", defines: poolDefines(p), global: Self.volumeGlobalSize(geometry.input), local: Self.volumeLocalSize,
                   [.tensor(gradOutput), .tensor(argmax), .tensor(gradInput)] + poolSizes(geometry))
    }

    public func globalAveragePoolForward(x: Tensor, into y: Tensor) throws {
        let dims = try VolumeDims(x, op: "globalAveragePool")
        try requireTensorShape(y, Shape(dims.n, dims.c, 1, 1, 1), op: "globalAveragePool", name: "output")
        let rows = dims.n * dims.c, length = dims.spatial
        let chunks = (length + Self.rowReductionChunk - 1) / Self.rowReductionChunk
        let partial = try makeTensor(shape: Shape(rows * chunks))
        try launch("row_sum_partial", file: "pooling", global: [rows * chunks], local: [64],
                   [.tensor(x), .tensor(partial), .int(rows), .int(length), .int(Self.rowReductionChunk), .int(chunks)])
        try launch("row_mean_finish", file: "pooling", global: [rows], local: [64],
                   [.tensor(partial), .tensor(y), .int(rows), .int(chunks), .int(length)])
    }

    public func globalAveragePoolBackward(gradOutput: Tensor, into gradInput: Tensor) throws {
        let dims = try VolumeDims(gradInput, op: "globalAveragePool backward")
        try requireTensorShape(gradOutput, Shape(dims.n, dims.c, 1, 1, 1), op: "globalAveragePool backward", name: "gradOutput")
        try launch("broadcast_mean_backward", file: "pooling", global: [gradInput.count], local: [Self.elementwiseLocalSize],
                   [.tensor(gradOutput), .tensor(gradInput), .int(gradInput.count), .int(dims.spatial)])
    }
}
