import MCKDEngine

/// 3D max pooling (the ResNet stem's 3^3 stride-2 pool); keeps the argmax for backward.
public final class MaxPool3d: Layer {
    public let descriptor: PoolingDescriptor
    private let backend: any Backend
    private var inputShape: Shape?
    private var argmax: Tensor?

    /// - Parameters:
    ///   - backend: where the argmax indices live.
    ///   - descriptor: the window: kernel, stride and padding per axis.
    public init(_ backend: any Backend, _ descriptor: PoolingDescriptor) {
        self.backend = backend
        self.descriptor = descriptor
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "max-pool \(descriptor)" }
    public func outputShape(forInput input: Shape) throws -> Shape { try descriptor.outputShape(for: input) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let shape = try descriptor.outputShape(for: x.shape)
        let out = try backend.makeTensor(shape: shape), winners = try backend.makeTensor(shape: shape)
        try backend.maxPoolForward(descriptor, x: x, into: out, argmax: winners)
        (inputShape, argmax) = (x.shape, winners)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw EngineError.invalidArgument("\(summary): backward called before forward") }
        let gradInput = try backend.makeTensor(shape: inputShape)
        try backend.maxPoolBackward(descriptor, gradOutput: gradOutput, argmax: try Tensor.cached(argmax, summary), into: gradInput)
        argmax = nil
        return gradInput
    }
}
