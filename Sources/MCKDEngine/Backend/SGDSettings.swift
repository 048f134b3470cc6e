/// Hyper-parameters of SGD with momentum, in PyTorch's semantics (dampening 0):
///
///     g = grad + weightDecay * p
///     buf = momentum * buf + g
///     update = nesterov ? g + momentum * buf : buf
///     p -= learningRate * update
///
/// The momentum buffer starts at zero, which makes the first step match PyTorch's
/// buf = g. The learning rate is given per step (the trainer computes poly decay).
public struct SGDSettings: Equatable, Sendable {
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float

    /// - Parameters:
    ///   - momentum: the buffer's decay; 0 for plain SGD.
    ///   - nesterov: step with g + momentum * buf instead of buf.
    ///   - weightDecay: L2 added to the gradient.
    public init(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }
}
