import MCKDEngine

/// The decoder's residual basic block: act(x + norm(conv(act(norm(conv(x)))))),
/// both convolutions 3x3x3 with padding 1 and the same channel count.
public final class ResidualBlock: Layer {
    public let body: Sequential
    public let finalActivation: Activation
    private let backend: any Backend

    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - channels: input and output channels.
    ///   - norm: the normalisation after each convolution (instance norm in the models).
    ///   - activation: the activation after each norm (LeakyReLU(0.01) in the models).
    ///   - standardizeWeights: weight-standardised convolutions (the reference's `Conv3d_wd`).
    ///   - name: the parameters' name prefix (checkpoint names).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, channels: Int, norm: NormalizationKind, activation: ActivationKind,
                standardizeWeights: Bool, name: String, initializer: inout Initializer) throws {
        self.backend = backend
        let conv = Conv3DDescriptor(inputChannels: channels, outputChannels: channels, kernel: 3, padding: 1)
        body = Sequential([
            try Conv3d(backend, conv, standardizeWeights: standardizeWeights, name: "\(name).conv1", initializer: &initializer),
            try Normalization(backend, norm, channels: channels, name: "\(name).norm1"),
            Activation(backend, activation, inPlace: true),
            try Conv3d(backend, conv, standardizeWeights: standardizeWeights, name: "\(name).conv2", initializer: &initializer),
            try Normalization(backend, norm, channels: channels, name: "\(name).norm2"),
        ])
        finalActivation = Activation(backend, activation, inPlace: true)
    }

    public var parameters: [Parameter] { body.parameters }
    public var summary: String { "residual[\(body.summary)]" }
    public func setTraining(_ training: Bool) { body.setTraining(training) }
    public func outputShape(forInput input: Shape) throws -> Shape { try body.outputShape(forInput: input) }

    public func forward(_ x: Tensor) throws -> Tensor {
        // The sum and the activation overwrite the body's last output: its norm's backward reads the norm's input.
        let sum = try body.forward(x)
        try backend.axpy(alpha: 1, x: x, y: sum)
        return try finalActivation.forward(sum)
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let gradSum = try finalActivation.backward(gradOutput)
        let gradInput = try body.backward(gradSum)
        try backend.axpy(alpha: 1, x: gradSum, y: gradInput)
        return gradInput
    }
}
