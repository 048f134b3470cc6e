extension OpenCLBackend {
    /// Interleaved partial sums per row in the first pass of the statistics (fixed, so
    /// the summation order depends only on the shape).
    static let normalizationPartialsPerRow = 64

    /// Work-group of the 2D (voxel, row) elementwise kernels.
    static let normalizationLocalSize = [64, 1]

    private func defines(_ layout: NormalizationDescriptor.Layout, deviation: Bool = false) -> [String] {
        ["ACROSS_BATCH=\(layout.acrossBatch ? 1 : 0)", "VECTOR_SPANS=\(vectorSpans ? 1 : 0)"] + (deviation ? ["DEVIATION"] : [])
    }

    /// The statistics' first passes with explicit float8 spans in the CPU family (PoCL),
    /// interleaved scalar loads in the GPU family (coalesced). Both are fixed-order sums.
    private var vectorSpans: Bool { deviceClass == .cpu }

    /// Explicit-vector kernels run one work-item per group on CPU devices (engine.md).
    private var partialLocal: [Int] { vectorSpans ? [1] : [64] }

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
            let chunks = Self.normalizationPartialsPerRow
            let partial = try makeTensor(shape: Shape(layout.rows * chunks))
            let partialArguments: [KernelArgument] = [.tensor(x), .tensor(savedMean), .tensor(partial), .int(layout.rows),
                                                      .int(layout.spatial), .int(chunks)]
                + grouping(layout)
            try launch("norm_row_partial", file: "normalization", defines: defines(layout), global: [layout.rows * chunks],
                       local: partialLocal, partialArguments)
            try launch("norm_mean", file: "normalization", defines: defines(layout), global: statistics, local: local,
                       [.tensor(partial), .tensor(savedMean), .int(layout.statistics), .int(layout.blocks), .int(chunks), .int(layout.count)]
                       + grouping(layout))
            try launch("norm_row_partial", file: "normalization", defines: defines(layout, deviation: true),
                       global: [layout.rows * chunks], local: partialLocal, partialArguments)
            // Without running statistics the kernel never touches them; any buffer fills the slots.
            try launch("norm_inverse_std", file: "normalization", defines: defines(layout), global: statistics, local: local,
                       [.tensor(partial), .tensor(savedMean), .tensor(savedInvStd),
                        .tensor(running?.mean ?? savedMean), .tensor(running?.variance ?? savedInvStd),
                        .int(layout.statistics), .int(layout.blocks), .int(chunks), .int(layout.count),
                        .float(descriptor.epsilon), .float(descriptor.momentum), .int(running == nil ? 0 : 1)] + grouping(layout))
        } else {
            try launch("norm_running_statistics", file: "normalization", defines: defines(layout), global: statistics, local: local,
                       [.tensor(running!.mean), .tensor(running!.variance), .tensor(savedMean), .tensor(savedInvStd),
                        .int(layout.statistics), .float(descriptor.epsilon)])
        }
        try launch("norm_apply", file: "normalization", defines: defines(layout), global: [layout.spatial, layout.rows],
                   local: Self.normalizationLocalSize,
                   [.tensor(x), .tensor(y), .tensor(savedMean), .tensor(savedInvStd), .tensor(gamma), .tensor(beta),
                    .int(layout.rows), .int(layout.spatial)] + grouping(layout))
    }

    public func normalizationBackward(_ descriptor: NormalizationDescriptor, x: Tensor, gradOutput: Tensor, gamma: Tensor,
                                      savedMean: Tensor, savedInvStd: Tensor,
                                      gradInput: Tensor, gradGamma: Tensor, gradBeta: Tensor) throws {
        let layout = try descriptor.validateBackward(x: x, gradOutput: gradOutput, gamma: gamma, savedMean: savedMean, savedInvStd: savedInvStd,
                                                     gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
        let local = [64], defines = defines(layout)
        let chunks = Self.normalizationPartialsPerRow
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
        try launch("norm_backward_input", file: "normalization", defines: defines, global: [layout.spatial, layout.rows],
                   local: Self.normalizationLocalSize,
                   [.tensor(x), .tensor(gradOutput), .tensor(savedMean), .tensor(savedInvStd), .tensor(gamma), .tensor(coefficients),
                    .tensor(gradInput), .int(layout.rows), .int(layout.spatial), .int(descriptor.usesBatchStatistics ? 1 : 0)]
                   + grouping(layout))
    }
}
