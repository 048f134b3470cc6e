import MCKDEngine

/// Finite-difference look-aheads of the bi-level step that could not use ||v||: counted,
/// logged and checkpointed, never dropped silently.
public struct DegenerateLookAheads: Equatable, Sendable {
    /// ||v|| = 0: the second-order term is exactly zero, so h = d (theta_w is still updated).
    public var zeroNorm = 0
    /// ||v|| NaN or infinite: no hypergradient, theta_w is not updated that step.
    public var nonFiniteNorm = 0

    public init(zeroNorm: Int = 0, nonFiniteNorm: Int = 0) {
        self.zeroNorm = zeroNorm
        self.nonFiniteNorm = nonFiniteNorm
    }
}

/// theta_w and its Adam optimiser (lr 1e-2, weight decay 5e-4, constant lr), on the device.
public final class ImportanceWeights {
    public let theta: Tensor
    let firstMoment: Tensor
    let secondMoment: Tensor
    public private(set) var updates = 0
    public internal(set) var degenerateLookAheads = DegenerateLookAheads()
    public var learningRate: Float = 1e-2
    public var adam = AdamSettings(weightDecay: 5e-4)
    private let backend: any Backend

    /// Uniform [0, 1) from the seed (the reference's init), or zeros (uniform weights)
    /// when the weights are not learned.
    public init(_ backend: any Backend, modalities: Int, seed: UInt64, learned: Bool) throws {
        self.backend = backend
        theta = try backend.full(Shape(modalities), value: 0)
        if learned {
            try backend.fillRandom(theta, .uniform(low: 0, high: 1), seed: seed, stream: 0x7468_6574_6177)   // "thetaw"
        }
        firstMoment = try backend.full(Shape(modalities), value: 0)
        secondMoment = try backend.full(Shape(modalities), value: 0)
    }

    /// w = softmax(theta_w) [M], on the device.
    public func weights() throws -> Tensor {
        let m = theta.count
        let w = try backend.makeTensor(shape: Shape(1, m))
        try backend.softmaxForward(x: try theta.reshaped(Shape(1, m)), into: w)
        return try w.reshaped(Shape(m))
    }

    /// dL/dtheta_w from dL/dw through the softmax, given w = `weights()`.
    func thetaGradient(weights: Tensor, gradWeights: Tensor) throws -> Tensor {
        let m = weights.count
        let grad = try backend.makeTensor(shape: Shape(1, m))
        try backend.softmaxBackward(y: try weights.reshaped(Shape(1, m)), gradOutput: try gradWeights.reshaped(Shape(1, m)), into: grad)
        return try grad.reshaped(Shape(m))
    }

    /// One Adam step with the gradient dL/dtheta_w.
    public func update(gradient: Tensor) throws {
        updates += 1
        try backend.adamStep(adam, learningRate: learningRate, step: updates, parameter: theta, gradient: gradient,
                             firstMoment: firstMoment, secondMoment: secondMoment)
    }

    /// Adam's state as checkpoint entries, and its restoration.
    func stateTensors() -> [(String, Tensor)] {
        [("theta_w", theta), ("theta_w.adam.m", firstMoment), ("theta_w.adam.v", secondMoment)]
    }

    /// The counters as checkpoint metadata, and their restoration (absent in older
    /// checkpoints: zero).
    func counterMetadata() -> [String: String] {
        ["importanceUpdates": String(updates), "lookAheadsZeroNorm": String(degenerateLookAheads.zeroNorm),
         "lookAheadsNonFiniteNorm": String(degenerateLookAheads.nonFiniteNorm)]
    }

    func restoreCounters(from metadata: [String: String], file: String) throws {
        guard let updates = metadata["importanceUpdates"].flatMap(Int.init) else {
            throw CheckpointError.corrupt(file: file, reason: "no importanceUpdates entry")
        }
        self.updates = updates
        degenerateLookAheads = DegenerateLookAheads(zeroNorm: metadata["lookAheadsZeroNorm"].flatMap(Int.init) ?? 0,
                                                    nonFiniteNorm: metadata["lookAheadsNonFiniteNorm"].flatMap(Int.init) ?? 0)
    }
}
