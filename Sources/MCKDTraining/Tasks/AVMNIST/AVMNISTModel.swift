import MCKDEngine

/// The sizes of the AV-MNIST network (method.md section 7; the defaults are the paper's).
public struct AVMNISTArchitecture: Codable, Equatable, Sendable {
    /// LeNet-style image encoder: conv 5x5 to each width, each followed by max-pool 2 and ReLU.
    public var imageChannels = [5, 10]
    /// Audio encoder: conv 2x2 to each width, each followed by batch norm and ReLU, then max-pool 4.
    public var audioChannels = [32, 48, 20]
    /// Both features are projected to this width (the KD features).
    public var featureWidth = 128
    public var hiddenWidth = 64
    public var classes = 10
    /// Dropout probability after the hidden layer of the head.
    public var headDropout: Float = 0.5

    /// configuration.json's keys (the head's dropout is "dropout").
    private enum CodingKeys: String, CodingKey {
        case imageChannels, audioChannels, featureWidth, hiddenWidth, classes, headDropout = "dropout"
    }

    public static let paper = AVMNISTArchitecture()

    public init() {}
}

/// MCKD's AV-MNIST classifier: one encoder per modality (image 28x28, MFCC 20x20; 2D
/// convolutions as 3D ones of depth 1), each projected to a common width, per-sample
/// mean fill-in of missing modalities' features, concatenation, and a head
/// FC -> ReLU -> dropout -> FC. Modality 0 is the image, 1 the audio.
public final class AVMNISTModel: TrainableModel {
    public static let modalityNames = ["image", "audio"]
    public static let imageSide = 28
    public static let audioSide = 20
    public let architecture: AVMNISTArchitecture
    public let encoders: [AVMNISTEncoder]
    public let fusion: Linear
    public let hiddenActivation: Activation
    /// The head's dropout layer (not the modality dropout, `ModalityDropout`).
    public let headDropout: Dropout
    public let classifier: Linear
    public let backend: any Backend
    private var last: (input: AVMNISTInput, gate: GatedFusion?)?

    /// Convolutions Kaiming-normal (fan_out) with zero biases, linear layers PyTorch's
    /// uniform +-1/sqrt(in); every draw from `seed`, so every backend starts alike.
    /// - Parameters:
    ///   - backend: where the parameters live.
    ///   - architecture: the widths and the head's dropout probability.
    ///   - seed: the initial weights' and the head's dropout masks' seed.
    public init(_ backend: any Backend, architecture: AVMNISTArchitecture, seed: UInt64) throws {
        let a = architecture
        guard a.imageChannels.count == 2, a.audioChannels.count == 3,
              (a.imageChannels + a.audioChannels + [a.featureWidth, a.hiddenWidth]).allSatisfy({ $0 >= 1 }), a.classes >= 2 else {
            throw EngineError.invalidArgument("AV-MNIST architecture needs 2 positive image widths, 3 audio widths, positive feature and hidden widths and >= 2 classes")
        }
        self.backend = backend
        self.architecture = a
        var initializer = Initializer(seed: seed)
        let planar = { (kernel: Int, stride: Int) in PoolingDescriptor(kernel: VolumeTriple(1, kernel, kernel), stride: VolumeTriple(1, stride, stride)) }

        var imageLayers: [Layer] = [], inputs = 1
        for (index, width) in a.imageChannels.enumerated() {
            imageLayers += [
                try Conv3d(backend, Conv3DDescriptor(inputChannels: inputs, outputChannels: width, kernel: VolumeTriple(1, 5, 5)),
                           bias: true, name: "image.conv\(index + 1)", initializer: &initializer),
                MaxPool3d(backend, planar(2, 2)),
                Activation(backend, .relu),
            ]
            inputs = width
        }
        // 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4
        let imageFeatures = a.imageChannels[1] * 4 * 4
        let imageEncoder = try AVMNISTEncoder(name: "image", body: imageLayers,
                                               projection: try Linear(backend, inFeatures: imageFeatures, outFeatures: a.featureWidth,
                                                                      name: "image.projection", initializer: &initializer))
        var audioLayers: [Layer] = []
        inputs = 1
        for (index, width) in a.audioChannels.enumerated() {
            audioLayers += [
                try Conv3d(backend, Conv3DDescriptor(inputChannels: inputs, outputChannels: width, kernel: VolumeTriple(1, 2, 2)),
                           name: "audio.conv\(index + 1)", initializer: &initializer),
                try Normalization(backend, .batch, channels: width, name: "audio.norm\(index + 1)"),
                Activation(backend, .relu),
            ]
            inputs = width
        }
        // 20 -conv2-> 19 -> 18 -> 17 -pool 4 (floor)-> 4: 20 channels x 4 x 4 = 320
        audioLayers.append(MaxPool3d(backend, planar(4, 4)))
        let audioFeatures = a.audioChannels[2] * 4 * 4
        let audioEncoder = try AVMNISTEncoder(name: "audio", body: audioLayers,
                                               projection: try Linear(backend, inFeatures: audioFeatures, outFeatures: a.featureWidth,
                                                                      name: "audio.projection", initializer: &initializer))
        encoders = [imageEncoder, audioEncoder]
        let m = Self.modalityNames.count
        fusion = try Linear(backend, inFeatures: m * a.featureWidth, outFeatures: a.hiddenWidth, name: "head.fc1", initializer: &initializer)
        hiddenActivation = Activation(backend, .relu)
        headDropout = try Dropout(backend, probability: a.headDropout, seed: seed)
        classifier = try Linear(backend, inFeatures: a.hiddenWidth, outFeatures: a.classes, name: "head.fc2", initializer: &initializer)
    }

    var modalities: Int { encoders.count }
    public var head: [Layer] { [fusion, hiddenActivation, headDropout, classifier] }
    public var parameters: [Parameter] { encoders.flatMap(\.parameters) + head.flatMap(\.parameters) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Batch norms' running means and variances, named for checkpoints: not parameters,
    /// but state that evaluation reads.
    public var runningStatistics: [(name: String, tensor: Tensor)] {
        encoders.flatMap(\.normalizations).flatMap { norm -> [(name: String, tensor: Tensor)] in
            let base = String(norm.gamma.name.dropLast(".gamma".count))
            return [(base + ".running_mean", norm.runningMean!), (base + ".running_var", norm.runningVariance!)]
        }
    }

    /// A one-screen summary: each encoder's layers and feature shapes, the fusion and the
    /// head, with parameter counts.
    public func summary() -> String {
        func count(_ parameters: [Parameter]) -> Int { parameters.reduce(0) { $0 + $1.count } }
        let a = architecture, width = a.featureWidth
        var lines: [String] = []
        for (encoder, side) in zip(encoders, [Self.imageSide, Self.audioSide]) {
            var shape = Shape(1, 1, 1, side, side)
            var parts: [String] = []
            for layer in encoder.body.layers {
                shape = (try? layer.outputShape(forInput: shape)) ?? shape
                parts.append(layer.summary)
            }
            let flat = shape.count
            lines.append("\(encoder.name) encoder (\(side)x\(side)): \(parts.joined(separator: " -> "))")
            lines.append("  -> \(shape[1])x\(shape[3])x\(shape[4]) = \(flat), \(encoder.projection.summary) -> \(width), \(count(encoder.parameters)) parameters")
        }
        lines.append("per-sample mean fill-in of missing features, concatenation -> \(modalities * width)")
        lines.append("head: \(head.map(\.summary).joined(separator: " -> ")) -> \(a.classes), \(count(head.flatMap(\.parameters))) parameters")
        lines.append("total: \(parameterCount) parameters")
        return lines.joined(separator: "\n")
    }

    /// The projected features of the samples that have each modality ([K_m, width], nil
    /// when none has it) and the filled features [N*M, width], sample-major (row n*M + m;
    /// viewed as [N, M*width] it is the concatenation the head takes).
    public func encode(_ input: AVMNISTInput) throws -> (encoded: [Tensor?], filled: Tensor) {
        guard input.modalities.count == modalities else {
            throw EngineError.shapeMismatch("AV-MNIST input has \(input.modalities.count) modalities, the model \(modalities)")
        }
        let encoded = try zip(encoders, input.modalities).map { encoder, x in try x.map { try encoder.forward($0) } }
        return (encoded, try fillIn(encoded, input: input))
    }

    /// Per-sample mean fill-in (method.md section 2): each modality's encoded rows
    /// [K_m, width] -> the filled slots [N*M, width] (`MeanFillIn`'s per-modality form).
    public func fillIn(_ encoded: [Tensor?], input: AVMNISTInput) throws -> Tensor {
        try MeanFillIn.forward(encoded: encoded, matrices: input.fillIn, slots: input.sampleCount * modalities,
                               width: architecture.featureWidth, backend: backend)
    }

    /// The fill-in's backward: an available slot keeps its own gradient plus 1/|A_n| of
    /// each missing slot's; nil for a modality no sample has.
    public func fillInBackward(_ gradFilled: Tensor, input: AVMNISTInput) throws -> [Tensor?] {
        try MeanFillIn.backward(gradFilled, matrices: input.fillIn, width: architecture.featureWidth, backend: backend)
    }

    /// Logits [N, classes] and the filled features (the KD loss reads the available
    /// slots, which are the encoders' own outputs). With `gateWeights` (w [M], the meta
    /// steps' gated fusion) each filled slot m is scaled by w_m.
    public func forward(_ input: AVMNISTInput, gateWeights: Tensor? = nil) throws -> (logits: Tensor, filled: Tensor) {
        let filled = try encode(input).filled
        var fused = filled
        var gate: GatedFusion? = nil
        if let gateWeights {
            let gated = try GatedFusion.apply(weights: gateWeights, to: filled, modalities: modalities, backend: backend)
            (fused, gate) = (gated.gated, gated.fusion)
        }
        last = (input, gate)
        let concatenated = try fused.reshaped(Shape(input.sampleCount, modalities * architecture.featureWidth))
        return (try head.reduce(concatenated) { try $1.forward($0) }, filled)
    }

    /// Back-propagates the task loss's gradient and, when given, a gradient on the filled
    /// features (the KD loss's, on available slots) into every parameter's gradient.
    /// Missing slots pass their gradient to the sample's available features (the fill-in's
    /// transpose); no encoder ever ran on a missing input, so none receives gradient for it.
    ///
    /// After a gated forward it returns dL/dw [M]; `throughEncoder: false` stops after the head.
    @discardableResult
    public func backward(gradLogits: Tensor, gradFilled: Tensor? = nil, throughEncoder: Bool = true) throws -> Tensor? {
        guard let (input, gate) = last else { throw EngineError.invalidArgument("AV-MNIST model: backward before forward") }
        let gradConcatenated = try head.reversed().reduce(gradLogits) { try $1.backward($0) }
        var gradient = try gradConcatenated.reshaped(Shape(input.sampleCount * modalities, architecture.featureWidth))
        let gradWeights = try gate?.backward(gradient, backend: backend)
        guard throughEncoder else { return gradWeights }
        if let gradFilled {
            let sum = try backend.makeTensor(shape: gradient.shape)
            try backend.binary(.add, gradient, gradFilled, into: sum)
            gradient = sum
        }
        for (encoder, gradEncoded) in zip(encoders, try fillInBackward(gradient, input: input)) {
            if let gradEncoded {
                try encoder.backward(gradEncoded)
            } else {
                // No sample of this batch has the modality: its parameters get no gradient.
                for parameter in encoder.parameters { try backend.fill(parameter.gradient, with: 0) }
            }
        }
        return gradWeights
    }

    public func setTraining(_ training: Bool) {
        encoders.forEach { $0.setTraining(training) }
        head.forEach { $0.setTraining(training) }
    }
}
