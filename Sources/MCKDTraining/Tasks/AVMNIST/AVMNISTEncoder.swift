import MCKDEngine

/// One modality's encoder of the AV-MNIST model (the image's or the audio's; BraTS's
/// modalities share one `SharedEncoder` instead): convolutional layers, then a linear
/// projection to the common KD feature width. input [K, 1, 1, H, W] -> [K, width].
public final class AVMNISTEncoder {
    public let name: String
    public let body: Sequential
    public let projection: Linear
    /// The first convolution (on the input itself), which back-propagates to its parameters only.
    private let inputConvolution: Conv3d

    /// - Parameters:
    ///   - name: "image" or "audio" (summaries and errors).
    ///   - body: the layers, starting with the convolution on the input.
    ///   - projection: the linear map to the KD feature width.
    public init(name: String, body: [Layer], projection: Linear) throws {
        guard let first = body.first as? Conv3d else {
            throw EngineError.invalidArgument("\(name) encoder must start with a convolution")
        }
        self.name = name
        self.body = Sequential(body)
        self.projection = projection
        inputConvolution = first
    }

    public var parameters: [Parameter] { body.parameters + projection.parameters }
    /// Batch norms' running statistics (part of the state a checkpoint keeps).
    public var normalizations: [Normalization] { body.layers.compactMap { $0 as? Normalization } }
    public func setTraining(_ training: Bool) { body.setTraining(training) }

    public func forward(_ x: Tensor) throws -> Tensor { try projection.forward(try body.forward(x)) }

    /// Writes every parameter's gradient; the input needs none, so the first
    /// convolution stops at its parameters.
    public func backward(_ gradOutput: Tensor) throws {
        let gradBody = try projection.backward(gradOutput)
        let gradFirst = try body.layers.dropFirst().reversed().reduce(gradBody) { try $1.backward($0) }
        try inputConvolution.backwardParameters(gradFirst)
    }
}
