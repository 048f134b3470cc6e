import MCKDEngine

/// A network layer with an explicit forward and backward pass.
///
/// `forward` keeps what `backward` needs; `backward` takes the gradient of the loss
/// with respect to the last forward's output, writes (overwrites) the gradients of
/// the layer's parameters and returns the gradient with respect to its input. Layers
/// that hold activations let them go once backward has used them (device memory
/// between passes), so each forward is followed by at most one backward.
public protocol Layer: AnyObject {
    /// The layer's own parameters and those of its sublayers, in a fixed order.
    var parameters: [Parameter] { get }
    func forward(_ x: Tensor) throws -> Tensor
    func backward(_ gradOutput: Tensor) throws -> Tensor
    /// Training (batch statistics, dropout) or evaluation behaviour.
    func setTraining(_ training: Bool)
    /// One line for the model summary, e.g. "conv 1->16 k3 s1 p1 (WS)".
    var summary: String { get }
    /// The output shape for an input shape, without running anything (model summaries
    /// and crop checks of large models).
    func outputShape(forInput input: Shape) throws -> Shape
}

extension Layer {
    public func setTraining(_ training: Bool) {}

    /// Layers that do not implement shape inference say so instead of guessing.
    public func outputShape(forInput input: Shape) throws -> Shape {
        throw EngineError.invalidArgument("\(summary): no shape inference for this layer")
    }
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public let layers: [Layer]

    /// - Parameters:
    ///   - layers: applied first to last; backward runs them last to first.
    public init(_ layers: [Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func forward(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1.forward($0) }
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        try layers.reversed().reduce(gradOutput) { try $1.backward($0) }
    }

    public func setTraining(_ training: Bool) { layers.forEach { $0.setTraining(training) } }

    public var summary: String { layers.map(\.summary).joined(separator: " -> ") }

    public func outputShape(forInput input: Shape) throws -> Shape {
        try layers.reduce(input) { try $1.outputShape(forInput: $0) }
    }
}

extension Tensor {
    /// The tensor a layer cached in forward, or an error if backward came first.
    static func cached(_ tensor: Tensor?, _ layer: String) throws -> Tensor {
        guard let tensor else { throw EngineError.invalidArgument("\(layer): backward called before forward") }
        return tensor
    }
}
