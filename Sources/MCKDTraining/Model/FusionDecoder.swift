import MCKDEngine

/// The decoder on the fused (channel-concatenated) modality features: per level a
/// transposed conv k2 s2, plus a 1x1 conv of the M modalities' concatenated skips
/// (added), then a residual block; finally a 1x1 conv to the output channels.
public final class FusionDecoder {
    let ups: [ConvTranspose3d]
    let skipConvs: [Conv3d]
    let blocks: [ResidualBlock]
    let head: Conv3d
    private let backend: any Backend

    public init(_ backend: any Backend, channels: [Int], modalities: Int, outputChannels: Int, norm: NormalizationKind,
                activation: ActivationKind, standardizeWeights: Bool, initializer: inout Initializer) throws {
        self.backend = backend
        var ups: [ConvTranspose3d] = [], skipConvs: [Conv3d] = [], blocks: [ResidualBlock] = []
        var incoming = modalities * channels.last!
        for level in stride(from: channels.count - 2, through: 0, by: -1) {
            let width = channels[level]
            ups.append(try ConvTranspose3d(backend, Conv3DDescriptor(inputChannels: incoming, outputChannels: width, kernel: 2, stride: 2),
                                           name: "decoder.up\(level)", initializer: &initializer))
            skipConvs.append(try Conv3d(backend, Conv3DDescriptor(inputChannels: modalities * width, outputChannels: width, kernel: 1),
                                        standardizeWeights: standardizeWeights, name: "decoder.skip\(level)", initializer: &initializer))
            blocks.append(try ResidualBlock(backend, channels: width, norm: norm, activation: activation,
                                            standardizeWeights: standardizeWeights, name: "decoder.block\(level)", initializer: &initializer))
            incoming = width
        }
        self.ups = ups
        self.skipConvs = skipConvs
        self.blocks = blocks
        head = try Conv3d(backend, Conv3DDescriptor(inputChannels: channels[0], outputChannels: outputChannels, kernel: 1),
                          name: "decoder.head", initializer: &initializer)
    }

    public var parameters: [Parameter] {
        zip(zip(ups, skipConvs), blocks).flatMap { pair, block in pair.0.parameters + pair.1.parameters + block.parameters } + head.parameters
    }

    public func setTraining(_ training: Bool) { blocks.forEach { $0.setTraining(training) } }

    /// fused: [N, M*c_i, ...] per encoder level, shallowest first -> logits [N, out, D, H, W].
    public func forward(_ fused: [Tensor]) throws -> Tensor {
        var current = fused.last!
        for (step, level) in stride(from: fused.count - 2, through: 0, by: -1).enumerated() {
            let up = try ups[step].forward(current)
            try backend.axpy(alpha: 1, x: try skipConvs[step].forward(fused[level]), y: up)
            current = try blocks[step].forward(up)
        }
        return try head.forward(current)
    }

    /// Gradients for each fused level input, shallowest first.
    public func backward(_ gradLogits: Tensor) throws -> [Tensor] {
        var gradients = [Tensor?](repeating: nil, count: ups.count + 1)
        var grad = try head.backward(gradLogits)
        for (step, level) in (0..<ups.count).map({ ($0, ups.count - 1 - $0) }).reversed() {
            let gradSum = try blocks[step].backward(grad)
            gradients[level] = try skipConvs[step].backward(gradSum)
            grad = try ups[step].backward(gradSum)
        }
        gradients[ups.count] = grad
        return gradients.map { $0! }
    }
}
