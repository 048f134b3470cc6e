import MCKDEngine

/// ASPP's image-level branch: global average pool -> 1x1 conv -> activation, then the
/// [C, 1, 1, 1] result broadcast back over D x H x W (nearest upsampling by the input's
/// extent, whose backward sums the gradient over the volume).
///
/// No normalisation: instance norm over a single voxel outputs beta whatever the input
/// (zero variance), which would cut the branch off from the image.
public final class ImagePoolingBranch: Layer {
    public let convolution: Conv3d
    public let activation: Activation
    private let backend: any Backend
    private var inputShape: Shape?

    public init(_ backend: any Backend, inputChannels: Int, outputChannels: Int, activation: ActivationKind,
                standardizeWeights: Bool, name: String, initializer: inout Initializer) throws {
        self.backend = backend
        convolution = try Conv3d(backend, Conv3DDescriptor(inputChannels: inputChannels, outputChannels: outputChannels, kernel: 1),
                                 standardizeWeights: standardizeWeights, name: "\(name).conv", initializer: &initializer)
        self.activation = Activation(backend, activation, inPlace: true)
    }

    public var parameters: [Parameter] { convolution.parameters }
    public var summary: String { "global average pool -> \(convolution.summary) -> \(activation.summary) -> broadcast" }

    public func outputShape(forInput input: Shape) throws -> Shape {
        let pooled = try convolution.outputShape(forInput: try Self.pooledShape(input))
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
        let context = try activation.forward(try convolution.forward(pooled))
        let scale = Self.broadcastScale(x.shape)
        let out = try backend.makeTensor(shape: try scale.upsampled(context.shape))
        try backend.upsampleForward(.nearest, scale: scale, x: context, into: out)
        inputShape = x.shape
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw EngineError.invalidArgument("image pooling: backward called before forward") }
        let gradContext = try backend.makeTensor(shape: Shape(inputShape[0], convolution.descriptor.outputChannels, 1, 1, 1))
        try backend.upsampleBackward(.nearest, scale: Self.broadcastScale(inputShape), gradOutput: gradOutput, into: gradContext)
        let gradPooled = try convolution.backward(try activation.backward(gradContext))
        let gradInput = try backend.makeTensor(shape: inputShape)
        try backend.globalAveragePoolBackward(gradOutput: gradPooled, into: gradInput)
        return gradInput
    }
}
