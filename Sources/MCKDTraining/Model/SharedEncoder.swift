import MCKDEngine

/// The encoder shared by all modalities: each level is a (strided, from level 1 on)
/// conv-norm-act followed by a conv-norm-act; every level's output is a skip feature
/// and the last one is the bottleneck.
/// input [B, 1, D, H, W] (B = N*M) -> features [B, c_i, D/2^i, H/2^i, W/2^i].
public final class SharedEncoder {
    public let levels: [Sequential]

    public init(_ backend: any Backend, channels: [Int], norm: NormalizationKind, activation: ActivationKind,
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
                Activation(backend, activation),
                try Conv3d(backend, second, standardizeWeights: standardizeWeights, name: "\(name).conv2", initializer: &initializer),
                try Normalization(backend, norm, channels: width, name: "\(name).norm2"),
                Activation(backend, activation),
            ]))
            inputChannels = width
        }
        self.levels = levels
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
            let gradInput = try levels[index].backward(grad)
            carried = index > 0 ? gradInput : nil
        }
    }
}
