import MCKDEngine

/// MCKD's segmentation network (method.md sections 2 and 7): one encoder shared by
/// all modalities (each modality a 1-channel volume; the batch holds N*M volumes),
/// mean fill-in of missing modalities' bottlenecks (and skips, with the architecture's
/// `fillSkips`), channel-concatenation fusion and a residual decoder with skip blocks.
/// The available modalities are one set per batch or one per sample. The encoder and decoder are the
/// architecture's (`small` or `paper`); everything here works the same for both.
public final class SegmentationModel: TrainableModel {
    public let architecture: SegmentationArchitecture
    public let encoder: any SegmentationEncoder
    public let decoder: any SegmentationDecoder
    public let backend: any Backend
    private var lastAvailability: PerSampleAvailability?
    private var lastFeatureShapes: [Shape] = []
    /// The gating of a gated forward, kept for its backward.
    private var lastGate: GatedFusion?

    /// Instance norm and LeakyReLU(0.01) as the reference; weights from `seed`.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - architecture: small or paper, its widths, modalities and outputs.
    ///   - seed: the initial weights' seed.
    public init(_ backend: any Backend, architecture: SegmentationArchitecture, seed: UInt64) throws {
        self.backend = backend
        self.architecture = architecture
        var initializer = Initializer(seed: seed)
        let activation = ActivationKind.leakyReLU(slope: 0.01)
        let ws = architecture.standardizeWeights
        switch architecture.kind {
        case .small:
            encoder = try SharedEncoder(backend, channels: architecture.channels, norm: .instance, activation: activation,
                                        standardizeWeights: ws, initializer: &initializer)
            decoder = try FusionDecoder(backend, channels: architecture.channels, modalities: architecture.modalities,
                                        outputChannels: architecture.outputChannels, norm: .instance, activation: activation,
                                        standardizeWeights: ws, initializer: &initializer)
        case .paper:
            let layout = try PaperModelLayout(featureChannels: architecture.channels)
            encoder = try PaperEncoderBuilder.make(backend, layout: layout, norm: .instance, activation: activation, standardizeWeights: ws,
                                                   initializer: &initializer)
            decoder = try FusionDecoder(backend, skipChannels: Array(layout.featureChannels.dropLast()),
                                        bottleneckChannels: layout.bottleneckChannels, widths: layout.decoderWidths,
                                        modalities: architecture.modalities, outputChannels: architecture.outputChannels,
                                        finalUpsample: PaperModelLayout.finalUpsample, norm: .instance, activation: activation,
                                        standardizeWeights: ws, initializer: &initializer)
        }
    }

    public var parameters: [Parameter] { encoder.parameters + decoder.parameters }
    /// Instance norm keeps no running statistics.
    public var runningStatistics: [(name: String, tensor: Tensor)] { [] }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// A one-screen summary: each encoder level and decoder stage with its layers, the
    /// feature shape it produces for a crop [D, H, W] (per modality volume for the
    /// encoder, per sample for the decoder) and its parameter count.
    public func summary(crop: [Int]) -> String {
        let m = architecture.modalities
        var lines = ["shared encoder (each of the \(m) modalities as a 1-channel volume):"]
        do {
            try architecture.checkCrop(crop)
            let shapes = try featureShapes(crop: crop)
            for (summary, shape) in zip(encoder.levelSummaries, shapes) {
                lines.append("  \(summary.name): \(summary.layers) -> \(shape.perSampleDescription), \(summary.parameters) parameters")
            }
            let fused = try shapes.map(fusedShape)
            lines.append("fill-in of missing bottlenecks, fusion by concatenation -> \(fused.last!.perSampleDescription)")
            lines += try decoder.summaryLines(fusedShapes: fused)
        } catch {
            lines.append("  (no shapes: \(error))")
        }
        lines.append("total: \(parameterCount) parameters")
        return lines.joined(separator: "\n")
    }

    /// The encoder's feature shapes [M, c_i, ...] for the M modality volumes of one
    /// sample with a crop [D, H, W], by shape inference (nothing runs: cheap for any crop).
    public func featureShapes(crop: [Int]) throws -> [Shape] {
        try encoder.featureShapes(forInput: Shape([architecture.modalities, 1] + crop))
    }

    /// [N*M, C, ...] -> [N, M*C, ...] as a shape.
    private func fusedShape(_ features: Shape) throws -> Shape {
        let m = architecture.modalities
        guard features[0] % m == 0 else { throw EngineError.shapeMismatch("batch \(features[0]) is not a multiple of \(m) modalities") }
        var dims = features.dims
        dims[0] /= m
        dims[1] *= m
        return Shape(dims)
    }

    /// The encoder on every modality volume with missing ones zeroed.
    /// input [N, M, D, H, W] -> every level's features [N*M, c_i, ...].
    public func encode(_ input: Tensor, available: ModalitySet) throws -> [Tensor] {
        try encode(input, availability: try PerSampleAvailability(uniform: available, samples: input.shape[0]))
    }

    /// `encode` with one available set per sample.
    public func encode(_ input: Tensor, availability: PerSampleAvailability) throws -> [Tensor] {
        let m = architecture.modalities
        guard input.shape.rank == 5, input.shape[1] == m else {
            throw EngineError.shapeMismatch("segmentation input must be [N, \(m), D, H, W], got \(input.shape)")
        }
        try architecture.checkCrop(Array(input.shape.dims[2...]))
        try checkAvailability(availability, samples: input.shape[0])
        let dims = input.shape.dims
        let volumes = try backend.makeTensor(shape: Shape(dims[0] * m, 1, dims[2], dims[3], dims[4]))
        try backend.copy(try input.reshaped(volumes.shape), to: volumes)
        let missing = availability.missingBatchEntries
        if !missing.isEmpty { try backend.zeroBatchEntries(volumes, indices: missing) }
        return try encoder.forward(volumes)
    }

    private func checkAvailability(_ availability: PerSampleAvailability, samples: Int) throws {
        guard availability.sampleCount == samples, availability.modalityCount == architecture.modalities else {
            throw EngineError.shapeMismatch("available sets for \(availability.sampleCount) samples of \(availability.modalityCount) modalities, "
                                            + "but the batch has \(samples) samples of \(architecture.modalities)")
        }
    }

    /// Logits [N, outputs, D, H, W] and the bottleneck before fill-in ([N*M, C, d, h, w],
    /// what the KD loss compares). With `gateWeights` (w [M], the meta steps' gated
    /// fusion) each fused bottleneck slot m is scaled by w_m.
    public func forward(_ input: Tensor, available: ModalitySet, gateWeights: Tensor? = nil) throws -> (logits: Tensor, bottleneck: Tensor) {
        try forward(input, availability: try PerSampleAvailability(uniform: available, samples: input.shape[0]), gateWeights: gateWeights)
    }

    /// `forward` with one available set per sample.
    public func forward(_ input: Tensor, availability: PerSampleAvailability, gateWeights: Tensor? = nil) throws -> (logits: Tensor, bottleneck: Tensor) {
        let features = try encode(input, availability: availability)
        return (try decode(features, availability: availability, gateWeights: gateWeights), features.last!)
    }

    /// The decoder half of `forward`: fill-in, optional gating, fusion, decoding of the
    /// encoder's per-level features [N*M, c_i, ...].
    public func decode(_ features: [Tensor], available: ModalitySet, gateWeights: Tensor? = nil) throws -> Tensor {
        let samples = features[0].shape[0] / architecture.modalities
        return try decode(features, availability: try PerSampleAvailability(uniform: available, samples: samples), gateWeights: gateWeights)
    }

    /// `decode` with one available set per sample.
    public func decode(_ features: [Tensor], availability: PerSampleAvailability, gateWeights: Tensor? = nil) throws -> Tensor {
        try checkAvailability(availability, samples: features[0].shape[0] / architecture.modalities)
        var decoderInputs = try features.enumerated().map { level, feature in
            level == features.count - 1 || architecture.fillSkips
                ? try MeanFillIn.forward(feature, availability: availability, backend: backend) : feature
        }
        lastGate = nil
        if let gateWeights {
            let (gated, fusion) = try GatedFusion.apply(weights: gateWeights, to: decoderInputs[features.count - 1],
                                                        modalities: architecture.modalities, backend: backend)
            decoderInputs[features.count - 1] = gated
            lastGate = fusion
        }
        let fused = try decoderInputs.map { try group($0) }
        lastAvailability = availability
        lastFeatureShapes = features.map(\.shape)
        return try decoder.forward(fused)
    }

    /// Back-propagates the task loss's gradient (and, when given, a gradient on the
    /// unfilled bottleneck such as the KD loss's) into every parameter's gradient.
    /// Encoder passes of missing modalities receive no gradient (skips and bottleneck):
    /// their output is either replaced by the fill-in or the response to a zero input,
    /// and their instance-norm backward would multiply by 1/sqrt(eps) (method.md section 4).
    /// Filled levels pass a missing slot's gradient on to the sample's available slots.
    ///
    /// After a gated forward it returns dL/dw [M]; `throughEncoder: false` stops after the
    /// decoder (the gated meta step only needs dL/dw).
    @discardableResult
    public func backward(gradLogits: Tensor, gradBottleneck: Tensor? = nil, throughEncoder: Bool = true) throws -> Tensor? {
        guard let availability = lastAvailability else { throw EngineError.invalidArgument("backward before forward") }
        var gradients = try decoder.backward(gradLogits).enumerated().map { level, grad in try grad.reshaped(lastFeatureShapes[level]) }
        let last = gradients.count - 1
        let gradWeights = try lastGate?.backward(gradients[last], backend: backend)
        guard throughEncoder else { return gradWeights }
        for level in gradients.indices where level == last || architecture.fillSkips {
            gradients[level] = try MeanFillIn.backward(gradients[level], availability: availability, backend: backend)
        }
        if let gradBottleneck { try backend.axpy(alpha: 1, x: gradBottleneck, y: gradients[last]) }
        let missing = availability.missingBatchEntries
        if !missing.isEmpty && !architecture.fillSkips {
            for grad in gradients[..<last] { try backend.zeroBatchEntries(grad, indices: missing) }
        }
        try encoder.backward(gradients)
        return gradWeights
    }

    /// [N*M, C, ...] -> [N, M*C, ...] (modality m in channels m*C ..< (m+1)*C). The
    /// encoder's batch is sample-major (entry n*M + m), so this is the same memory viewed
    /// with the fused shape: no copy (the decoder only reads it).
    private func group(_ features: Tensor) throws -> Tensor {
        try features.reshaped(try fusedShape(features.shape))
    }

    public func setTraining(_ training: Bool) {
        encoder.setTraining(training)
        decoder.setTraining(training)
    }
}
