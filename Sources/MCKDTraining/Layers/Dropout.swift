import MCKDEngine

/// Training-time dropout with the engine's counter-based mask: the mask is a pure
/// function of (seed, `stream`), so every backend drops the same units and a resumed
/// run draws what an uninterrupted one would. The owner sets `stream` before each
/// forward (e.g. from the training step). In evaluation it is the identity.
public final class Dropout: Layer {
    public let probability: Float
    public let seed: UInt64
    /// The generator stream of the next forward's mask.
    public var stream: UInt64 = 0
    private var training = true
    private let backend: any Backend
    private var mask: Tensor?

    /// - Parameters:
    ///   - backend: where the mask lives.
    ///   - probability: of dropping a unit, in [0, 1).
    ///   - seed: the masks' seed (the stream is set per forward).
    public init(_ backend: any Backend, probability: Float, seed: UInt64) throws {
        guard (0..<1).contains(probability) else {
            throw EngineError.invalidArgument("dropout probability \(probability) must lie in [0, 1)")
        }
        self.backend = backend
        self.probability = probability
        self.seed = seed
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "dropout(\(probability))" }
    public func setTraining(_ training: Bool) { self.training = training }

    public func forward(_ x: Tensor) throws -> Tensor {
        guard training, probability > 0 else {
            mask = nil
            return x
        }
        let out = try backend.makeTensor(shape: x.shape), kept = try backend.makeTensor(shape: x.shape)
        try backend.dropoutForward(x: x, probability: probability, seed: seed, stream: stream, into: out, mask: kept)
        mask = kept
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let mask else { return gradOutput }
        let gradInput = try backend.makeTensor(shape: gradOutput.shape)
        try backend.binary(.mul, gradOutput, mask, into: gradInput)
        return gradInput
    }
}
