import MCKDEngine

/// Fully connected layer y = x W^T + b: input [N, in] -> [N, out]; inputs of
/// higher rank are flattened per sample (and the gradient reshaped back).
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    private let backend: any Backend
    private var input: Tensor?
    private var inputShape: Shape?

    /// PyTorch's default init: uniform in +-1/sqrt(in) for weight and bias.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - inFeatures: input width (the input is flattened to [N, inFeatures]).
    ///   - outFeatures: output width.
    ///   - name: the parameters' name prefix (`name.weight`, `name.bias`).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, inFeatures: Int, outFeatures: Int, name: String, initializer: inout Initializer) throws {
        self.backend = backend
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = try Parameter(name: "\(name).weight", value: try initializer.uniform(backend, Shape(outFeatures, inFeatures), low: -bound, high: bound))
        bias = try Parameter(name: "\(name).bias", value: try initializer.uniform(backend, Shape(outFeatures), low: -bound, high: bound), decays: false)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var summary: String { "linear \(weight.value.shape[1])->\(weight.value.shape[0])" }

    public func forward(_ x: Tensor) throws -> Tensor {
        let flat = try x.reshaped(Shape(x.shape[0], x.count / x.shape[0]))
        (input, inputShape) = (flat, x.shape)
        let out = try backend.makeTensor(shape: Shape(x.shape[0], weight.value.shape[0]))
        try backend.linearForward(input: flat, weight: weight.value, bias: bias.value, into: out)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let flat = try Tensor.cached(input, summary)
        let gradInput = try backend.makeTensor(shape: flat.shape)
        try backend.linearBackward(input: flat, weight: weight.value, gradOutput: gradOutput,
                                   gradInput: gradInput, gradWeight: weight.gradient, gradBias: bias.gradient)
        return try gradInput.reshaped(inputShape ?? flat.shape)
    }
}
