import MCKDEngine

/// How the importance weights are learned (method.md section 5).
public enum MetaMode: String, CaseIterable, Codable, Sendable {
    /// One-step look-ahead bi-level optimisation with a finite-difference
    /// Hessian-vector product (5.2), the default.
    case bilevel
    /// First-order: L_task of the gated fusion back-propagated to theta_w alone (5.1).
    case gated
    /// w fixed uniform: plain pairwise cross-modal KD.
    case off
}

/// theta_w and its Adam optimiser (lr 1e-2, weight decay 5e-4, constant lr), on the device.
public final class ImportanceWeights {
    public let theta: Tensor
    let firstMoment: Tensor
    let secondMoment: Tensor
    public private(set) var updates = 0
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
    public func weights() throws -> Tensor { try ModalityGate.weights(theta: theta, backend: backend) }

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

    func restoreUpdates(_ count: Int) { updates = count }
}
