import MCKDEngine

/// Upsampling by an integer scale per axis (the paper model's final trilinear x(1,2,2),
/// align corners).
public final class Upsample: Layer {
    public let mode: UpsamplingMode
    public let scale: VolumeTriple
    private let backend: any Backend
    private var inputShape: Shape?

    /// - Parameters:
    ///   - backend: where the output lives.
    ///   - mode: nearest or trilinear (align corners).
    ///   - scale: the integer factor per axis (D, H, W).
    public init(_ backend: any Backend, _ mode: UpsamplingMode, scale: VolumeTriple) {
        self.backend = backend
        self.mode = mode
        self.scale = scale
    }

    public var parameters: [Parameter] { [] }
    public var summary: String { "\(mode) upsample x\(scale)" }
    public func outputShape(forInput input: Shape) throws -> Shape { try scale.upsampled(input) }

    public func forward(_ x: Tensor) throws -> Tensor {
        let out = try backend.makeTensor(shape: try scale.upsampled(x.shape))
        try backend.upsampleForward(mode, scale: scale, x: x, into: out)
        inputShape = x.shape
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw EngineError.invalidArgument("\(summary): backward called before forward") }
        let gradInput = try backend.makeTensor(shape: inputShape)
        try backend.upsampleBackward(mode, scale: scale, gradOutput: gradOutput, into: gradInput)
        return gradInput
    }
}
