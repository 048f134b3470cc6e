/// Which statistics a normalisation layer uses.
public enum NormalizationKind: Equatable, Sendable {
    /// Per channel over N, D, H, W (running statistics for evaluation).
    case batch
    /// Per sample and channel over D, H, W.
    case instance
    /// Per sample and group of `groups` consecutive channel blocks, over the group's channels and D, H, W.
    case group(groups: Int)
}

/// A normalisation: y = (x - mean) * invstd * gamma[c] + beta[c] with
/// invstd = 1 / sqrt(biased variance + epsilon).
public struct NormalizationDescriptor: Equatable, Sendable {
    public var kind: NormalizationKind
    /// Added to the variance before the square root; 1e-5 as in PyTorch.
    public var epsilon: Float
    /// Batch norm only: running = (1 - momentum) * running + momentum * batch statistic,
    /// with the unbiased variance for the running variance (PyTorch's convention).
    public var momentum: Float
    /// Batch norm only: true normalises with batch statistics and updates the running
    /// ones; false normalises with the running statistics. Other kinds ignore it.
    public var training: Bool

    /// - Parameters:
    ///   - kind: batch, instance or group norm.
    ///   - epsilon: added to the variance.
    ///   - momentum: the running statistics' update (batch norm).
    ///   - training: batch statistics (true) or running ones (batch norm).
    public init(_ kind: NormalizationKind, epsilon: Float = 1e-5, momentum: Float = 0.1, training: Bool = true) {
        self.kind = kind
        self.epsilon = epsilon
        self.momentum = momentum
        self.training = training
    }

    /// True when the statistics come from the batch (all kinds except batch norm in evaluation).
    public var usesBatchStatistics: Bool { kind != .batch || training }

    /// Number of statistics (entries of the saved mean and inverse std) for `input` NCDHW.
    public func statisticCount(for input: Shape) throws -> Int {
        try layout(VolumeDims(input, op: "normalisation")).statistics
    }

    /// How the [N*C, S] rows of an NCDHW tensor map onto statistics. The rows of
    /// statistic j are first + a * blockStride + k for a in 0..<blocks, k in 0..<groupSize.
    struct Layout {
        let rows: Int, spatial: Int, channels: Int
        let statistics: Int
        /// Consecutive channels sharing one statistic (1 for batch and instance norm).
        let groupSize: Int
        /// Batch norm: a statistic gathers row c of every sample.
        let acrossBatch: Bool
        var blocks: Int { acrossBatch ? rows / channels : 1 }
        var blockStride: Int { acrossBatch ? channels : 0 }
        /// Elements behind one statistic.
        var count: Int { blocks * groupSize * spatial }

        func firstRow(of statistic: Int) -> Int { acrossBatch ? statistic : statistic * groupSize }
        func statistic(ofRow row: Int) -> Int { acrossBatch ? row % channels : row / groupSize }
    }

    func layout(_ dims: VolumeDims) throws -> Layout {
        let rows = dims.n * dims.c
        switch kind {
        case .batch:
            return Layout(rows: rows, spatial: dims.spatial, channels: dims.c, statistics: dims.c, groupSize: 1, acrossBatch: true)
        case .instance:
            return Layout(rows: rows, spatial: dims.spatial, channels: dims.c, statistics: rows, groupSize: 1, acrossBatch: false)
        case .group(let groups):
            guard groups >= 1, dims.c % groups == 0 else {
                throw EngineError.invalidArgument("group norm: \(dims.c) channels do not split into \(groups) groups")
            }
            return Layout(rows: rows, spatial: dims.spatial, channels: dims.c, statistics: dims.n * groups,
                          groupSize: dims.c / groups, acrossBatch: false)
        }
    }

    /// Validates every tensor of a forward or backward call and returns the layout.
    /// The running statistics batch norm needs (nil for the other kinds), checked.
    func runningStatistics(_ mean: Tensor?, _ variance: Tensor?, op: String) throws -> (mean: Tensor, variance: Tensor)? {
        guard kind == .batch else { return nil }
        guard let mean, let variance else {
            throw EngineError.invalidArgument("\(op): batch norm needs runningMean and runningVariance tensors")
        }
        return (mean, variance)
    }

    /// The checks of a forward call (both backends): shapes of every tensor, and the
    /// running statistics batch norm needs.
    func validateForward(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor?, runningVariance: Tensor?,
                         y: Tensor, savedMean: Tensor, savedInvStd: Tensor) throws -> (Layout, (mean: Tensor, variance: Tensor)?) {
        let op = "normalization \(kind) forward"
        let running = try runningStatistics(runningMean, runningVariance, op: op)
        let layout = try validate(op: op, x: x, gamma: gamma, mean: savedMean, invStd: savedInvStd,
                                  others: [(beta, "beta")] + (running.map { [($0.mean, "running mean"), ($0.variance, "running variance")] } ?? []))
        try requireSameShape(x, y, op: op)
        return (layout, running)
    }

    /// The checks of a backward call (both backends).
    func validateBackward(x: Tensor, gradOutput: Tensor, gamma: Tensor, savedMean: Tensor, savedInvStd: Tensor,
                          gradInput: Tensor, gradGamma: Tensor, gradBeta: Tensor) throws -> Layout {
        let op = "normalization \(kind) backward"
        let layout = try validate(op: op, x: x, gamma: gamma, mean: savedMean, invStd: savedInvStd,
                                  others: [(gradGamma, "gradGamma"), (gradBeta, "gradBeta")])
        try requireSameShape(x, gradOutput, gradInput, op: op)
        return layout
    }

    func validate(op: String, x: Tensor, gamma: Tensor, mean: Tensor, invStd: Tensor, others: [(Tensor, String)]) throws -> Layout {
        let dims = try VolumeDims(x, op: op)
        let layout = try layout(dims)
        try requireTensorShape(gamma, Shape(dims.c), op: op, name: "gamma")
        try requireTensorShape(mean, Shape(layout.statistics), op: op, name: "saved mean")
        try requireTensorShape(invStd, Shape(layout.statistics), op: op, name: "saved inverse std")
        for (tensor, name) in others { try requireTensorShape(tensor, Shape(dims.c), op: op, name: name) }
        if kind == .batch && training && layout.count < 2 {
            throw EngineError.invalidArgument("\(op): batch norm training needs more than one value per channel, got \(x.shape)")
        }
        guard epsilon > 0 else { throw EngineError.invalidArgument("\(op): epsilon must be > 0, got \(epsilon)") }
        return layout
    }
}
