/// How upsampling interpolates.
public enum UpsamplingMode: String, Equatable, Sendable {
    /// Output voxel o copies input voxel floor(o / scale) per axis.
    case nearest
    /// Trilinear with align_corners = true: along each axis the source coordinate is
    /// o * (in - 1) / (out - 1), so the corner voxels of input and output coincide.
    case trilinear
}

/// Upsampling of NCDHW tensors by an integer scale per axis.
public protocol ResamplingOps: AnyObject {
    /// x: [N, C, D, H, W], y: [N, C, D * scale.d, H * scale.h, W * scale.w].
    func upsampleForward(_ mode: UpsamplingMode, scale: VolumeTriple, x: Tensor, into y: Tensor) throws

    /// gradInput (the input's shape) from gradOutput (the output's shape): each input
    /// voxel gathers the weighted gradients of the outputs it contributed to.
    func upsampleBackward(_ mode: UpsamplingMode, scale: VolumeTriple, gradOutput: Tensor, into gradInput: Tensor) throws
}

extension VolumeTriple {
    /// The upsampled shape of an NCDHW input.
    public func upsampled(_ input: Shape) throws -> Shape {
        guard input.rank == 5 else { throw EngineError.shapeMismatch("upsample: input must be NCDHW, got \(input)") }
        guard d >= 1, h >= 1, w >= 1 else { throw EngineError.invalidArgument("upsample: scale \(self) must be >= 1 per axis") }
        let dims = input.dims
        return Shape(dims[0], dims[1], dims[2] * d, dims[3] * h, dims[4] * w)
    }
}
