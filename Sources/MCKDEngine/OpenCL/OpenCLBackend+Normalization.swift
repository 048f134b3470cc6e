extension OpenCLBackend {
    /// Partial reductions per row in the first pass of the statistics (fixed by the
    /// shape, so the summation order is too): 64 interleaved ones in the GPU family; in
    /// the CPU family one span per 2048 voxels, at most 64 (PoCL pays per work-group:
    /// 64 spans of a 4^3 row were 64 work-groups of one voxel each).
    func normalizationPartials(spatial: Int) -> Int {
        vectorSpans ? max(1, min(64, spatial / 2048)) : 64
    }

    /// Work-group of the 2D (voxel, row) elementwise kernels.
    static let normalizationLocalSize = [64, 1]

    private func defines(_ layout: NormalizationDescriptor.Layout) -> [String] {
        ["ACROSS_BATCH=\(layout.acrossBatch ? 1 : 0)", "VECTOR_SPANS=\(vectorSpans ? 1 : 0)"]
    }

    /// The CPU family (PoCL): explicit float8 / float16 spans, one work-item per group;
    /// the GPU family: interleaved scalar loads (coalesced), one voxel per work-item in
    /// the elementwise kernels. Both are fixed-order reductions.
    private var vectorSpans: Bool { deviceClass == .cpu }

    /// Explicit-vector kernels run one work-item per group on CPU devices (engine.md).
    private var partialLocal: [Int] { vectorSpans ? [1] : [64] }

    /// Voxels per work-item of the CPU family's elementwise kernels (APPLY_SPAN).
    private static let applySpan = 2048

    /// Global and local sizes of the elementwise norm_apply / norm_backward_input.
    private func elementwise(_ layout: NormalizationDescriptor.Layout) -> (global: [Int], local: [Int]) {
        vectorSpans ? ([(layout.spatial + Self.applySpan - 1) / Self.applySpan, layout.rows], [1, 1])
                    : ([layout.spatial, layout.rows], Self.normalizationLocalSize)
    }

    /// The trailing (channels, group size) arguments every layout-aware kernel takes.
    private func grouping(_ layout: NormalizationDescriptor.Layout) -> [KernelArgument] {
        [.int(layout.channels), .int(layout.groupSize)]
    }

    public func normalizationForward(_ descriptor: NormalizationDescriptor, x: Tensor, gamma: Tensor, beta: Tensor,
                                     runningMean: Tensor?, runningVariance: Tensor?,
                                     into y: Tensor, savedMean: Tensor, savedInvStd: Tensor) throws {
        let (layout, running) = try descriptor.validateForward(x: x, gamma: gamma, beta: beta, runningMean: runningMean,
                                                               runningVariance: runningVariance, y: y, savedMean: savedMean, savedInvStd: savedInvStd)
        let local = [64], statistics = [layout.statistics]
        if descriptor.usesBatchStatistics {
            // One pass over x: per-chunk Welford moments, merged in order per statistic.
            let chunks = normalizationPartials(spatial: layout.spatial)
            let partial = try makeTensor(shape: Shape(layout.rows * chunks * 2))
            try launch("norm_row_moments", file: "normalization", defines: defines(layout), global: [layout.rows * chunks],
                       local: partialLocal, [.tensor(x), .tensor(partial), .int(layout.rows), .int(layout.spatial), .int(chunks)])
            // Without running statistics the kernel never touches them; any buffer fills the slots.
            try launch("norm_statistics", file: "normalization", defines: defines(layout), global: statistics, local: local,
                       [.tensor(partial), .tensor(savedMean), .tensor(savedInvStd),
                        .tensor(running?.mean ?? savedMean), .tensor(running?.variance ?? savedInvStd),
                        .int(layout.statistics), .int(layout.blocks), .int(layout.spatial), .int(chunks),
                        .float(descriptor.epsilon), .float(descriptor.momentum), .int(running == nil ? 0 : 1)] + grouping(layout))
        } else {
            try launch("norm_running_statistics", file: "normalization", defines: defines(layout), global: statistics, local: local,
                       [.tensor(running!.mean), .tensor(running!.variance), .tensor(savedMean), .tensor(savedInvStd),
                        .int(layout.statistics), .float(descriptor.epsilon)])
        }
        let apply = elementwise(layout)
        try launch("norm_apply", file: "normalization", defines: defines(layout), global: apply.global, local: apply.local,
                   [.tensor(x), .tensor(y), .tensor(savedMean), .tensor(savedInvStd), .tensor(gamma), .tensor(beta),
                    .int(layout.rows), .int(layout.spatial)] + grouping(layout))
    }

    public func normalizationBackward(_ descriptor: NormalizationDescriptor, x: Tensor, gradOutput: Tensor, gamma: Tensor,
                                      savedMean: Tensor, savedInvStd: Tensor,
                                      gradInput: Tensor, gradGamma: Tensor, gradBeta: Tensor) throws {
        let layout = try descriptor.validateBackward(x: x, gradOutput: gradOutput, gamma: gamma, savedMean: savedMean, savedInvStd: savedInvStd,
                                                     gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
        let local = [64], defines = defines(layout)
        let chunks = normalizationPartials(spatial: layout.spatial)
        let partial = try makeTensor(shape: Shape(layout.rows * chunks * 2))
        let coefficients = try makeTensor(shape: Shape(layout.statistics * 2))
        try launch("norm_backward_partial", file: "normalization", defines: defines, global: [layout.rows * chunks], local: partialLocal,
                   [.tensor(x), .tensor(gradOutput), .tensor(savedMean), .tensor(savedInvStd), .tensor(partial),
                    .int(layout.rows), .int(layout.spatial), .int(chunks)] + grouping(layout))
        try launch("norm_backward_parameters", file: "normalization", defines: defines, global: [layout.channels], local: local,
                   [.tensor(partial), .tensor(gradGamma), .tensor(gradBeta), .int(layout.rows / layout.channels), .int(chunks),
                    .int(layout.channels)])
        try launch("norm_backward_statistics", file: "normalization", defines: defines, global: [layout.statistics], local: local,
                   [.tensor(partial), .tensor(gamma), .tensor(coefficients), .int(layout.statistics), .int(layout.blocks),
                    .int(chunks), .int(layout.count)] + grouping(layout))
        let input = elementwise(layout)
        try launch("norm_backward_input", file: "normalization", defines: defines, global: input.global, local: input.local,
                   [.tensor(x), .tensor(gradOutput), .tensor(savedMean), .tensor(savedInvStd), .tensor(gamma), .tensor(coefficients),
                    .tensor(gradInput), .int(layout.rows), .int(layout.spatial), .int(descriptor.usesBatchStatistics ? 1 : 0)]
                   + grouping(layout))
    }
}
