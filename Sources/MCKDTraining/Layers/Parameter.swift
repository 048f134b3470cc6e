import MCKDEngine

/// A learnable tensor, its gradient (written by the owning layer's backward) and
/// whether weight decay applies to it.
public final class Parameter {
    public let name: String
    public let value: Tensor
    public let gradient: Tensor
    public let decays: Bool

    init(name: String, value: Tensor, decays: Bool = true) throws {
        self.name = name
        self.value = value
        self.gradient = try value.backend.full(value.shape, value: 0)
        self.decays = decays
    }

    public var count: Int { value.count }
}

/// How parameters are initialised: each draws from the counter-based generator with
/// its own stream, so initialisation is identical on every backend.
public struct Initializer {
    public let seed: UInt64
    private var nextStream: UInt64 = 0

    /// - Parameters:
    ///   - seed: the run's seed; every tensor drawn takes the next stream.
    public init(seed: UInt64) { self.seed = seed }

    /// A tensor of normal values with the given standard deviation.
    public mutating func normal(_ backend: any Backend, _ shape: Shape, standardDeviation: Float) throws -> Tensor {
        let tensor = try backend.makeTensor(shape: shape)
        try backend.fillRandom(tensor, .normal(mean: 0, standardDeviation: standardDeviation), seed: seed, stream: nextStream)
        nextStream += 1
        return tensor
    }

    /// A tensor of uniform values on [low, high).
    public mutating func uniform(_ backend: any Backend, _ shape: Shape, low: Float, high: Float) throws -> Tensor {
        let tensor = try backend.makeTensor(shape: shape)
        try backend.fillRandom(tensor, .uniform(low: low, high: high), seed: seed, stream: nextStream)
        nextStream += 1
        return tensor
    }
}
