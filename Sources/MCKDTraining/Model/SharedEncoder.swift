import MCKDEngine

/// The encoder shared by all modalities: each level is a (strided, from level 1 on)
/// conv-norm-act followed by a conv-norm-act; every level's output is a skip feature
/// and the last one is the bottleneck.
/// input [B, 1, D, H, W] (B = N*M) -> features [B, c_i, D/2^i, H/2^i, W/2^i].
public final class SharedEncoder {
    public let levels: [Sequential]
    /// The first convolution (on the image itself), which back-propagates to its
    /// parameters only.
    private let imageConvolution: Conv3d

    public init(_ backend: any Backend, channels: [Int], norm: NormalizationKind, activation: ActivationKind,
                standardizeWeights: Bool, initializer: inout Initializer) throws {
        var levels: [Sequential] = []
        var imageConvolution: Conv3d? = nil
        var inputChannels = 1
        for (level, width) in channels.enumerated() {
            let name = "encoder.level\(level)"
            let first = Conv3DDescriptor(inputChannels: inputChannels, outputChannels: width, kernel: 3,
                                         stride: level == 0 ? 1 : 2, padding: 1)
            let second = Conv3DDescriptor(inputChannels: width, outputChannels: width, kernel: 3, padding: 1)
            let firstConvolution = try Conv3d(backend, first, standardizeWeights: standardizeWeights, name: "\(name).conv1",
                                              initializer: &initializer)
            imageConvolution = imageConvolution ?? firstConvolution
            levels.append(Sequential([
                firstConvolution,
                try Normalization(backend, norm, channels: width, name: "\(name).norm1"),
                Activation(backend, activation),
                try Conv3d(backend, second, standardizeWeights: standardizeWeights, name: "\(name).conv2", initializer: &initializer),
                try Normalization(backend, norm, channels: width, name: "\(name).norm2"),
                Activation(backend, activation),
            ]))
            inputChannels = width
        }
        self.levels = levels
        self.imageConvolution = imageConvolution!
    }

    public var parameters: [Parameter] { levels.flatMap(\.parameters) }
    public func setTraining(_ training: Bool) { levels.forEach { $0.setTraining(training) } }

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
        precondition(gradients.count == levels.count)
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
