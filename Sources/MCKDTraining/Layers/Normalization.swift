import MCKDEngine

/// Batch, instance or group normalisation with affine gamma/beta (init 1 and 0).
public final class Normalization: Layer {
    public private(set) var descriptor: NormalizationDescriptor
    public let gamma: Parameter
    public let beta: Parameter
    /// Batch norm's running statistics (nil for instance and group norm).
    public let runningMean: Tensor?
    public let runningVariance: Tensor?
    private let backend: any Backend
    private var input: Tensor?
    private var savedMean: Tensor?
    private var savedInvStd: Tensor?

    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - kind: instance norm (per sample) or batch norm (running statistics for evaluation).
    ///   - channels: the normalised channels (gamma and beta have one each).
    ///   - name: the parameters' name prefix (`name.gamma`, `name.beta`).
    public init(_ backend: any Backend, _ kind: NormalizationKind, channels: Int, name: String) throws {
        self.backend = backend
        descriptor = NormalizationDescriptor(kind)
        gamma = try Parameter(name: "\(name).gamma", value: try backend.full(Shape(channels), value: 1), decays: false)
        beta = try Parameter(name: "\(name).beta", value: try backend.full(Shape(channels), value: 0), decays: false)
        if kind == .batch {
            runningMean = try backend.full(Shape(channels), value: 0)
            runningVariance = try backend.full(Shape(channels), value: 1)
        } else {
            runningMean = nil
            runningVariance = nil
        }
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var summary: String { "\(descriptor.kind) norm(\(gamma.count))" }
    public func setTraining(_ training: Bool) { descriptor.training = training }

    public func outputShape(forInput input: Shape) throws -> Shape {
        guard input.rank >= 2, input[1] == gamma.count else {
            throw EngineError.shapeMismatch("\(summary) needs \(gamma.count) channels, got \(input)")
        }
        return input
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        input = x
        let statistics = Shape(try descriptor.statisticCount(for: x.shape))
        let mean = try backend.makeTensor(shape: statistics), invStd = try backend.makeTensor(shape: statistics)
        let out = try backend.makeTensor(shape: x.shape)
        try backend.normalizationForward(descriptor, x: x, gamma: gamma.value, beta: beta.value,
                                         runningMean: runningMean, runningVariance: runningVariance,
                                         into: out, savedMean: mean, savedInvStd: invStd)
        (savedMean, savedInvStd) = (mean, invStd)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let x = try Tensor.cached(input, summary)
        let gradInput = try backend.makeTensor(shape: x.shape)
        try backend.normalizationBackward(descriptor, x: x, gradOutput: gradOutput, gamma: gamma.value,
                                          savedMean: try Tensor.cached(savedMean, summary), savedInvStd: try Tensor.cached(savedInvStd, summary),
                                          gradInput: gradInput, gradGamma: gamma.gradient, gradBeta: beta.gradient)
        (input, savedMean, savedInvStd) = (nil, nil, nil)
        return gradInput
    }
}
