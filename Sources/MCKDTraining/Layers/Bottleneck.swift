import MCKDEngine

/// ResNet-50's bottleneck block in 3D: act(body(x) + shortcut(x)) with
/// body = 1x1 conv -> norm -> act -> 3x3x3 conv (stride) -> norm -> act -> 1x1 conv to
/// 4 * planes -> norm, and shortcut = identity, or a strided 1x1 conv + norm when the
/// shape changes (the projection). The stride sits on the 3x3x3 conv (as MedicalNet's 3D ResNets).
public final class Bottleneck: Layer {
    public static let expansion = 4
    public let body: Sequential
    /// nil: identity shortcut.
    public let projection: Sequential?
    public let finalActivation: Activation
    public let inputChannels: Int, planes: Int, stride: Int
    private let backend: any Backend

    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - inputChannels: the input's channels.
    ///   - planes: the inner width; the output has `expansion` times as many channels.
    ///   - stride: the 3^3 convolution's (and the projection's) stride.
    ///   - norm: the normalisation after each convolution (instance norm in the models).
    ///   - activation: the activation after each norm (LeakyReLU(0.01) in the models).
    ///   - standardizeWeights: weight-standardised convolutions (the reference's `Conv3d_wd`).
    ///   - name: the parameters' name prefix (checkpoint names).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, inputChannels: Int, planes: Int, stride: Int, norm: NormalizationKind,
                activation: ActivationKind, standardizeWeights: Bool, name: String, initializer: inout Initializer) throws {
        self.backend = backend
        self.inputChannels = inputChannels
        self.planes = planes
        self.stride = stride
        let outputChannels = planes * Self.expansion
        func conv(_ descriptor: Conv3DDescriptor, _ suffix: String, initializer: inout Initializer) throws -> Conv3d {
            try Conv3d(backend, descriptor, standardizeWeights: standardizeWeights, name: "\(name).\(suffix)", initializer: &initializer)
        }
        body = Sequential([
            try conv(Conv3DDescriptor(inputChannels: inputChannels, outputChannels: planes, kernel: 1), "conv1", initializer: &initializer),
            try Normalization(backend, norm, channels: planes, name: "\(name).norm1"),
            Activation(backend, activation, inPlace: true),
            try conv(Conv3DDescriptor(inputChannels: planes, outputChannels: planes, kernel: 3, stride: VolumeTriple(all: stride), padding: 1),
                     "conv2", initializer: &initializer),
            try Normalization(backend, norm, channels: planes, name: "\(name).norm2"),
            Activation(backend, activation, inPlace: true),
            try conv(Conv3DDescriptor(inputChannels: planes, outputChannels: outputChannels, kernel: 1), "conv3", initializer: &initializer),
            try Normalization(backend, norm, channels: outputChannels, name: "\(name).norm3"),
        ])
        if stride != 1 || inputChannels != outputChannels {
            projection = Sequential([
                try conv(Conv3DDescriptor(inputChannels: inputChannels, outputChannels: outputChannels, kernel: 1, stride: VolumeTriple(all: stride)),
                         "projection", initializer: &initializer),
                try Normalization(backend, norm, channels: outputChannels, name: "\(name).projectionNorm"),
            ])
        } else {
            projection = nil
        }
        finalActivation = Activation(backend, activation, inPlace: true)
    }

    public var parameters: [Parameter] { body.parameters + (projection?.parameters ?? []) }
    public func setTraining(_ training: Bool) {
        body.setTraining(training)
        projection?.setTraining(training)
    }

    public var summary: String {
        "bottleneck \(inputChannels)->\(planes)->\(planes * Self.expansion)"
            + (stride == 1 ? "" : " s\(stride)") + (projection == nil ? "" : " +projection")
    }

    public func outputShape(forInput input: Shape) throws -> Shape {
        let out = try body.outputShape(forInput: input)
        let shortcut = try projection?.outputShape(forInput: input) ?? input
        guard shortcut == out else { throw EngineError.shapeMismatch("\(summary): shortcut \(shortcut) does not match the body's \(out)") }
        return out
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        // The sum and the activation overwrite the body's last output: its norm's backward reads the norm's input.
        let sum = try body.forward(x)
        try backend.axpy(alpha: 1, x: try projection?.forward(x) ?? x, y: sum)
        return try finalActivation.forward(sum)
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let gradSum = try finalActivation.backward(gradOutput)
        let gradInput = try body.backward(gradSum)
        try backend.axpy(alpha: 1, x: try projection?.backward(gradSum) ?? gradSum, y: gradInput)
        return gradInput
    }
}
