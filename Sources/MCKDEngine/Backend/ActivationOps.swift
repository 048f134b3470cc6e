/// Pointwise activations.
public enum ActivationKind: Equatable, Sendable {
    /// max(x, 0); NaN passes through.
    case relu
    /// x for x > 0, slope * x otherwise.
    case leakyReLU(slope: Float)
    /// 1 / (1 + exp(-x)), evaluated on the side where exp cannot overflow.
    case sigmoid
}

/// Activations, channel softmax and dropout. Any shape unless stated.
public protocol ActivationOps: AnyObject {
    /// y = f(x), elementwise; x and y have the same shape and may be one tensor (in place).
    func activationForward(_ kind: ActivationKind, x: Tensor, into y: Tensor) throws

    /// gradInput = f'(x) * gradOutput. ReLU and LeakyReLU read `x` (the derivative at
    /// 0 is taken from the negative side; a NaN input gives a NaN gradient; with a
    /// non-negative slope, passing y as x gives the same result), sigmoid
    /// reads its forward output `y` (f' = y * (1 - y)). All four tensors have one shape.
    func activationBackward(_ kind: ActivationKind, x: Tensor, y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws

    /// Softmax along channels (axis 1) of x: [N, C, ...], max-subtracted so large inputs
    /// do not overflow; y has x's shape.
    func softmaxForward(x: Tensor, into y: Tensor) throws

    /// gradInput = y * (gradOutput - sum over channels of gradOutput * y), from the forward output y.
    func softmaxBackward(y: Tensor, gradOutput: Tensor, into gradInput: Tensor) throws

    /// Training-time dropout: element i is kept when u_i >= probability, where u_i is
    /// element i of `fillRandom(.uniform(low: 0, high: 1), seed:, stream:)`, so every
    /// backend draws the same mask. mask[i] = kept ? 1 / (1 - probability) : 0 and
    /// y = x * mask (x, y, mask: one shape; probability in [0, 1]).
    func dropoutForward(x: Tensor, probability: Float, seed: UInt64, stream: UInt64, into y: Tensor, mask: Tensor) throws
}

extension ActivationOps where Self: Backend {
    /// gradInput = gradOutput * mask, with the mask written by `dropoutForward`.
    public func dropoutBackward(gradOutput: Tensor, mask: Tensor, into gradInput: Tensor) throws {
        try binary(.mul, gradOutput, mask, into: gradInput)
    }
}
