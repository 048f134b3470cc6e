import MCKDEngine

/// The decoder on the fused (channel-concatenated) modality features: per level a
/// transposed conv k2 s2, plus a skip block (1x1 conv -> norm -> act, the reference's
/// shortcut block) on the M modalities' concatenated skips (added), then a residual
/// block; finally a 1x1 conv to the output channels and, for the paper model, an
/// upsampling back to the input's resolution.
public final class FusionDecoder: SegmentationDecoder {
    let ups: [ConvTranspose3d]
    /// Per level: conv 1x1 -> norm -> act on the fused skips.
    let skipBlocks: [Sequential]
    let blocks: [ResidualBlock]
    let head: Conv3d
    /// Trilinear (align corners) upsampling after the head; nil when the last skip
    /// level already has the input's resolution.
    let finalUpsample: Upsample?
    private let backend: any Backend

    /// The small model's decoder: it decodes at the encoder's own widths.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - channels: the encoder's widths per level (the last is the bottleneck's).
    ///   - modalities: M, the slots concatenated per level.
    ///   - outputChannels: the logits' channels (ET, WT, TC).
    ///   - norm: the normalisation after each convolution.
    ///   - activation: the activation after each norm.
    ///   - standardizeWeights: weight-standardised convolutions.
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public convenience init(_ backend: any Backend, channels: [Int], modalities: Int, outputChannels: Int, norm: NormalizationKind,
                            activation: ActivationKind, standardizeWeights: Bool, initializer: inout Initializer) throws {
        try self.init(backend, skipChannels: Array(channels.dropLast()), bottleneckChannels: channels.last!, widths: Array(channels.dropLast()),
                      modalities: modalities, outputChannels: outputChannels, finalUpsample: nil, norm: norm, activation: activation,
                      standardizeWeights: standardizeWeights, initializer: &initializer)
    }

    /// skipChannels and widths per skip level, shallowest first: level i decodes at
    /// widths[i] and adds the skip block of the M * skipChannels[i] fused skip channels.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - skipChannels: each skip level's channels per modality.
    ///   - bottleneckChannels: the bottleneck's channels per modality.
    ///   - widths: the decoder's width at each skip level.
    ///   - modalities: M, the slots concatenated per level.
    ///   - outputChannels: the logits' channels (ET, WT, TC).
    ///   - finalUpsample: a trilinear upsampling of the logits (the paper model's x(1,2,2)), or none.
    ///   - norm: the normalisation after each convolution.
    ///   - activation: the activation after each norm.
    ///   - standardizeWeights: weight-standardised convolutions.
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, skipChannels: [Int], bottleneckChannels: Int, widths: [Int], modalities: Int, outputChannels: Int,
                finalUpsample: VolumeTriple?, norm: NormalizationKind, activation: ActivationKind, standardizeWeights: Bool,
                initializer: inout Initializer) throws {
        guard !widths.isEmpty, widths.count == skipChannels.count else {
            throw EngineError.invalidArgument("decoder: one width per skip level needed, got widths \(widths) for skips \(skipChannels)")
        }
        self.backend = backend
        var ups: [ConvTranspose3d] = [], skipBlocks: [Sequential] = [], blocks: [ResidualBlock] = []
        var incoming = modalities * bottleneckChannels
        for level in stride(from: widths.count - 1, through: 0, by: -1) {
            let width = widths[level]
            ups.append(try ConvTranspose3d(backend, Conv3DDescriptor(inputChannels: incoming, outputChannels: width, kernel: 2, stride: 2),
                                           name: "decoder.up\(level)", initializer: &initializer))
            let skip = Conv3DDescriptor(inputChannels: modalities * skipChannels[level], outputChannels: width, kernel: 1)
            skipBlocks.append(Sequential(try ConvUnit.layers(backend, skip, norm: norm, activation: activation, standardizeWeights: standardizeWeights,
                                                             name: "decoder.skip\(level)", initializer: &initializer)))
            blocks.append(try ResidualBlock(backend, channels: width, norm: norm, activation: activation,
                                            standardizeWeights: standardizeWeights, name: "decoder.block\(level)", initializer: &initializer))
            incoming = width
        }
        self.ups = ups
        self.skipBlocks = skipBlocks
        self.blocks = blocks
        head = try Conv3d(backend, Conv3DDescriptor(inputChannels: widths[0], outputChannels: outputChannels, kernel: 1),
                          name: "decoder.head", initializer: &initializer)
        self.finalUpsample = finalUpsample.map { Upsample(backend, .trilinear, scale: $0) }
    }

    public var parameters: [Parameter] {
        zip(zip(ups, skipBlocks), blocks).flatMap { pair, block in pair.0.parameters + pair.1.parameters + block.parameters } + head.parameters
    }

    public func setTraining(_ training: Bool) {
        skipBlocks.forEach { $0.setTraining(training) }
        blocks.forEach { $0.setTraining(training) }
    }

    /// fused: [N, M*c_i, ...] per encoder level, shallowest first -> logits [N, out, D, H, W].
    public func forward(_ fused: [Tensor]) throws -> Tensor {
        guard fused.count == ups.count + 1 else {
            throw EngineError.invalidArgument("decoder: \(fused.count) fused levels for \(ups.count) decoder stages plus the bottleneck")
        }
        var current = fused.last!
        for (step, level) in stride(from: fused.count - 2, through: 0, by: -1).enumerated() {
            let up = try ups[step].forward(current)
            try backend.axpy(alpha: 1, x: try skipBlocks[step].forward(fused[level]), y: up)
            current = try blocks[step].forward(up)
        }
        let logits = try head.forward(current)
        return try finalUpsample?.forward(logits) ?? logits
    }

    /// Gradients for each fused level input, shallowest first.
    public func backward(_ gradLogits: Tensor) throws -> [Tensor] {
        var gradients = [Tensor?](repeating: nil, count: ups.count + 1)
        var grad = try head.backward(try finalUpsample?.backward(gradLogits) ?? gradLogits)
        for (step, level) in (0..<ups.count).map({ ($0, ups.count - 1 - $0) }).reversed() {
            let gradSum = try blocks[step].backward(grad)
            gradients[level] = try skipBlocks[step].backward(gradSum)
            grad = try ups[step].backward(gradSum)
        }
        gradients[ups.count] = grad
        return gradients.map { $0! }
    }

    public func summaryLines(fusedShapes: [Shape]) throws -> [String] {
        var lines: [String] = []
        var current = fusedShapes.last!
        for step in 0..<ups.count {
            let level = ups.count - 1 - step
            let upShape = try ups[step].outputShape(forInput: current)
            let skipShape = try skipBlocks[step].outputShape(forInput: fusedShapes[level])
            guard upShape == skipShape else {
                throw EngineError.shapeMismatch("decoder level \(level): upsampled \(upShape) but skip \(skipShape)")
            }
            current = try blocks[step].outputShape(forInput: upShape)
            let stage = ups[step].parameters + skipBlocks[step].parameters + blocks[step].parameters
            let up = ups[step].descriptor, skip = skipBlocks[step].layers[0] as! Conv3d
            lines.append("  decoder level \(level): transposed conv \(up.inputChannels)->\(up.outputChannels) k2 s2"
                         + " + skip 1x1 conv \(skip.descriptor.inputChannels)->\(skip.descriptor.outputChannels)\(skip.standardizesWeights ? " WS" : "") + norm + act"
                         + ", residual block (2 x 3^3 conv + norm) -> \(current.perSampleDescription), \(stage.scalarCount) parameters")
        }
        var layers = head.summary
        current = try head.outputShape(forInput: current)
        if let finalUpsample {
            layers += " -> \(finalUpsample.summary)"
            current = try finalUpsample.outputShape(forInput: current)
        }
        lines.append("  head: \(layers) -> \(current.perSampleDescription), \(head.parameters.scalarCount) parameters")
        return lines
    }
}
