import MCKDEngine

/// ASPP's image-level branch: global average pool -> 1x1 conv -> norm -> act (the
/// reference's unit), then the [C, 1, 1, 1] result broadcast back over D x H x W (nearest
/// upsampling by the input's extent, whose backward sums the gradient over the volume).
///
/// Instance norm over the single pooled voxel outputs its beta whatever the input (zero
/// variance): as in the reference, the branch contributes a learned per-channel constant,
/// and no gradient reaches its conv (docs/training.md).
public final class ImagePoolingBranch: Layer {
    /// conv 1x1 -> norm -> act on the pooled [N, C, 1, 1, 1].
    public let unit: Sequential
    private let backend: any Backend
    private var inputShape: Shape?

    init(_ backend: any Backend, unit: Sequential) {
        self.backend = backend
        self.unit = unit
    }

    public var parameters: [Parameter] { unit.parameters }
    public var summary: String { "global average pool -> \(unit.summary) -> broadcast" }
    public func setTraining(_ training: Bool) { unit.setTraining(training) }

    public func outputShape(forInput input: Shape) throws -> Shape {
        let pooled = try unit.outputShape(forInput: try Self.pooledShape(input))
        return Shape([pooled[0], pooled[1]] + input.dims[2...])
    }

    static func pooledShape(_ input: Shape) throws -> Shape {
        guard input.rank == 5 else { throw EngineError.shapeMismatch("image pooling: input must be NCDHW, got \(input)") }
        return Shape(input[0], input[1], 1, 1, 1)
    }

    /// The broadcast as an upsampling scale: the input's spatial extent.
    private static func broadcastScale(_ input: Shape) -> VolumeTriple { VolumeTriple(input[2], input[3], input[4]) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let pooled = try backend.makeTensor(shape: try Self.pooledShape(x.shape))
        try backend.globalAveragePoolForward(x: x, into: pooled)
        let context = try unit.forward(pooled)
        let scale = Self.broadcastScale(x.shape)
        let out = try backend.makeTensor(shape: try scale.upsampled(context.shape))
        try backend.upsampleForward(.nearest, scale: scale, x: context, into: out)
        inputShape = x.shape
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw EngineError.invalidArgument("image pooling: backward called before forward") }
        let gradContext = try backend.makeTensor(shape: try unit.outputShape(forInput: try Self.pooledShape(inputShape)))
        try backend.upsampleBackward(.nearest, scale: Self.broadcastScale(inputShape), gradOutput: gradOutput, into: gradContext)
        let gradPooled = try unit.backward(gradContext)
        let gradInput = try backend.makeTensor(shape: inputShape)
        try backend.globalAveragePoolBackward(gradOutput: gradPooled, into: gradInput)
        return gradInput
    }
}
