import MCKDEngine

/// The encoder shared by all modalities, as a chain of levels whose outputs are the
/// skip features and (the last) the bottleneck. The first layer of the first level
/// is the convolution on the image, which back-propagates to its parameters only.
///
/// The small model's levels (this initialiser): a (strided, from level 1 on)
/// conv-norm-act followed by a conv-norm-act;
/// input [B, 1, D, H, W] (B = N*M) -> features [B, c_i, D/2^i, H/2^i, W/2^i].
/// The paper model's levels: see `PaperEncoderBuilder`.
public final class SharedEncoder: SegmentationEncoder {
    public let levels: [Sequential]
    /// Each level's name and grouped layer description, for the summary.
    private let descriptions: [(name: String, layers: String)]
    /// The first convolution (on the image itself), which back-propagates to its
    /// parameters only.
    private let imageConvolution: Conv3d

    /// An encoder from its levels; the first layer of the first level must be the
    /// convolution on the image.
    init(levels: [Sequential], descriptions: [(name: String, layers: String)]) throws {
        guard let imageConvolution = levels.first?.layers.first as? Conv3d, descriptions.count == levels.count else {
            throw EngineError.invalidArgument("an encoder needs levels starting with the image convolution, one description each")
        }
        self.levels = levels
        self.descriptions = descriptions
        self.imageConvolution = imageConvolution
    }

    /// The small model's encoder.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - channels: each level's width, shallowest first (the last is the bottleneck's).
    ///   - norm: the normalisation after each convolution.
    ///   - activation: the activation after each norm.
    ///   - standardizeWeights: weight-standardised convolutions.
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public convenience init(_ backend: any Backend, channels: [Int], norm: NormalizationKind, activation: ActivationKind,
                            standardizeWeights: Bool, initializer: inout Initializer) throws {
        var levels: [Sequential] = []
        var inputChannels = 1
        for (level, width) in channels.enumerated() {
            let name = "encoder.level\(level)"
            let first = Conv3DDescriptor(inputChannels: inputChannels, outputChannels: width, kernel: 3,
                                         stride: level == 0 ? 1 : 2, padding: 1)
            let second = Conv3DDescriptor(inputChannels: width, outputChannels: width, kernel: 3, padding: 1)
            levels.append(Sequential([
                try Conv3d(backend, first, standardizeWeights: standardizeWeights, name: "\(name).conv1", initializer: &initializer),
                try Normalization(backend, norm, channels: width, name: "\(name).norm1"),
                Activation(backend, activation, inPlace: true),
                try Conv3d(backend, second, standardizeWeights: standardizeWeights, name: "\(name).conv2", initializer: &initializer),
                try Normalization(backend, norm, channels: width, name: "\(name).norm2"),
                Activation(backend, activation, inPlace: true),
            ]))
            inputChannels = width
        }
        try self.init(levels: levels, descriptions: levels.enumerated().map { ("level \($0)", $1.summary) })
    }

    public var parameters: [Parameter] { levels.flatMap(\.parameters) }
    public func setTraining(_ training: Bool) { levels.forEach { $0.setTraining(training) } }

    public var levelSummaries: [(name: String, layers: String, parameters: Int)] {
        zip(descriptions, levels).map { ($0.name, $0.layers, $1.parameters.scalarCount) }
    }

    public func featureShapes(forInput input: Shape) throws -> [Shape] {
        var shapes: [Shape] = []
        var current = input
        for level in levels {
            current = try level.outputShape(forInput: current)
            shapes.append(current)
        }
        return shapes
    }

    /// Every level's output, shallowest first (the last is the bottleneck).
    public func forward(_ x: Tensor) throws -> [Tensor] {
        var features: [Tensor] = []
        var current = x
        for level in levels {
            current = try level.forward(current)
            features.append(current)
        }
        return features
    }

    /// Back-propagates the gradients of every level's output (skips and bottleneck).
    public func backward(_ gradients: [Tensor]) throws {
        guard gradients.count == levels.count else {
            throw EngineError.invalidArgument("encoder backward: \(gradients.count) gradients for \(levels.count) levels")
        }
        var carried: Tensor? = nil
        for index in levels.indices.reversed() {
            let grad = gradients[index]
            if let carried { try grad.backend.axpy(alpha: 1, x: carried, y: grad) }
            if index > 0 {
                carried = try levels[index].backward(grad)
            } else {
                // The image needs no gradient: stop at the first convolution's parameters.
                let rest = try levels[0].layers.dropFirst().reversed().reduce(grad) { try $1.backward($0) }
                try imageConvolution.backwardParameters(rest)
            }
        }
    }
}
