import Foundation

/// Hyper-parameters of Adam and AdamW, in PyTorch's semantics with bias correction:
///
///     Adam:  g = grad + weightDecay * p            AdamW: p *= 1 - learningRate * weightDecay; g = grad
///     m = beta1 * m + (1 - beta1) * g
///     v = beta2 * v + (1 - beta2) * g^2
///     p -= (learningRate / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
///
/// t is the 1-based step count, passed with each step; m and v start at zero.
public struct AdamSettings: Equatable, Sendable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// true: AdamW (decoupled weight decay); false: Adam (L2 added to the gradient).
    public var decoupledWeightDecay: Bool

    /// PyTorch's defaults.
    /// - Parameters:
    ///   - beta1: the first moment's decay.
    ///   - beta2: the second moment's decay.
    ///   - epsilon: added to sqrt(v) (after its bias correction).
    ///   - weightDecay: L2 (Adam) or decoupled (AdamW) decay; 0 for none.
    ///   - decoupledWeightDecay: AdamW instead of Adam.
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
                decoupledWeightDecay: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// The bias corrections of step t, computed in Double on the host:
    /// (learningRate / (1 - beta1^t), sqrt(1 - beta2^t)).
    func stepScales(step: Int, learningRate: Float) throws -> (stepSize: Float, secondMomentCorrection: Float) {
        guard step >= 1 else { throw EngineError.invalidArgument("adamStep: step \(step) must be >= 1 (1-based)") }
        let correction1 = 1 - pow(Double(beta1), Double(step))
        let correction2 = 1 - pow(Double(beta2), Double(step))
        return (Float(Double(learningRate) / correction1), Float(correction2.squareRoot()))
    }
}
