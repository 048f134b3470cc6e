import MCKDEngine

/// ReLU, LeakyReLU or sigmoid.
public final class Activation: Layer {
    public let kind: ActivationKind
    private let backend: any Backend
    private var input: Tensor?
    private var output: Tensor?

    public init(_ backend: any Backend, _ kind: ActivationKind) {
        self.backend = backend
        self.kind = kind
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "\(kind)" }
    public func outputShape(forInput input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor) throws -> Tensor {
        let out = try backend.makeTensor(shape: x.shape)
        try backend.activationForward(kind, x: x, into: out)
        (input, output) = (x, out)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let gradInput = try backend.makeTensor(shape: gradOutput.shape)
        try backend.activationBackward(kind, x: try Tensor.cached(input, summary), y: try Tensor.cached(output, summary),
                                       gradOutput: gradOutput, into: gradInput)
        return gradInput
    }
}
