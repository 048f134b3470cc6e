import MCKDEngine

/// Max pooling over D, H, W (PyTorch's floor mode): input [N, C, D, H, W] ->
/// [N, C, D', H', W']. The backward routes each window's gradient to its winner.
public final class MaxPool: Layer {
    public let descriptor: PoolingDescriptor
    private let backend: any Backend
    private var inputShape: Shape?
    private var argmax: Tensor?

    public init(_ backend: any Backend, _ descriptor: PoolingDescriptor) {
        self.backend = backend
        self.descriptor = descriptor
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "max-pool k\(descriptor.kernel) s\(descriptor.stride)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        let outputShape = try descriptor.outputShape(for: x.shape)
        let out = try backend.makeTensor(shape: outputShape), winners = try backend.makeTensor(shape: outputShape)
        try backend.maxPoolForward(descriptor, x: x, into: out, argmax: winners)
        (inputShape, argmax) = (x.shape, winners)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw EngineError.invalidArgument("\(summary): backward called before forward") }
        let gradInput = try backend.makeTensor(shape: inputShape)
        try backend.maxPoolBackward(descriptor, gradOutput: gradOutput, argmax: try Tensor.cached(argmax, summary), into: gradInput)
        return gradInput
    }
}
