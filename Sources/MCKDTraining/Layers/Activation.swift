import MCKDEngine

/// ReLU, LeakyReLU or sigmoid.
///
/// Backward reads only the forward output: sigmoid's slope is y (1 - y), and for a
/// (leaky) ReLU with a non-negative slope y > 0 exactly where x > 0 (NaN where x is
/// NaN), so y decides the slope as x would. That lets an `inPlace` activation
/// overwrite its input, saving a tensor the size of its input per layer, when nothing
/// else reads that input afterwards (as after a norm, whose backward reads its own input).
public final class Activation: Layer {
    public let kind: ActivationKind
    /// Writes the output over the input.
    public let inPlace: Bool
    private let backend: any Backend
    private var output: Tensor?

    /// `inPlace` needs a non-negative slope (otherwise y > 0 no longer tells where x > 0).
    /// - Parameters:
    ///   - backend: where the activations live.
    ///   - kind: ReLU, LeakyReLU(slope) or sigmoid.
    ///   - inPlace: overwrite the input (saves a tensor per layer).
    public init(_ backend: any Backend, _ kind: ActivationKind, inPlace: Bool = false) {
        self.backend = backend
        self.kind = kind
        if case .leakyReLU(let slope) = kind { precondition(slope >= 0, "LeakyReLU needs a non-negative slope, got \(slope)") }
        self.inPlace = inPlace
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "\(kind)" }
    public func outputShape(forInput input: Shape) throws -> Shape { input }

    public func forward(_ x: Tensor) throws -> Tensor {
        let out = inPlace ? x : try backend.makeTensor(shape: x.shape)
        try backend.activationForward(kind, x: x, into: out)
        output = out
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let y = try Tensor.cached(output, summary)
        output = nil
        let gradInput = try backend.makeTensor(shape: gradOutput.shape)
        try backend.activationBackward(kind, x: y, y: y, gradOutput: gradOutput, into: gradInput)
        return gradInput
    }
}
