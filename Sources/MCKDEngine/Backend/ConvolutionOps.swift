/// 3D convolution, its transpose and weight standardisation: forward and backward.
///
/// Layout NCDHW, weights [Co, Ci, kd, kh, kw] (transposed: [Ci, Co, kd, kh, kw], as
/// PyTorch). Every op overwrites its outputs; none accumulates into them. Backward
/// passes gather (each gradient element sums its own contributions in a fixed
/// order), so results are deterministic. Shapes are checked against the descriptor.
public protocol ConvolutionOps: AnyObject {
    /// output [N, Co, D', H', W'] = conv(input [N, Ci, D, H, W], weight [Co, Ci, kd, kh, kw]) + bias [Co].
    func conv3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                       into output: Tensor) throws

    /// gradInput [N, Ci, D, H, W] = d(loss)/d(input) given gradOutput [N, Co, D', H', W']
    /// and weight [Co, Ci, kd, kh, kw]. gradInput's shape fixes D, H, W (strided
    /// convolutions map several input sizes onto one output size).
    func conv3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                            into gradInput: Tensor) throws

    /// gradWeight [Co, Ci, kd, kh, kw] = sum over batch and output positions of
    /// gradOutput [N, Co, D', H', W'] times the input [N, Ci, D, H, W] under each tap;
    /// gradBias [Co] (if given) = sum of gradOutput over batch and space.
    func conv3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                              into gradWeight: Tensor, gradBias: Tensor?) throws

    /// output [N, Co, D', H', W'] = convTranspose(input [N, Ci, D, H, W], weight [Ci, Co, kd, kh, kw]) + bias [Co]:
    /// the adjoint of the convolution `descriptor.adjoint` (see `Conv3DDescriptor`).
    func convTranspose3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                                into output: Tensor) throws

    /// gradInput [N, Ci, D, H, W] of the transposed convolution, given gradOutput
    /// [N, Co, D', H', W'] and weight [Ci, Co, kd, kh, kw] (an ordinary convolution).
    func convTranspose3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                                     into gradInput: Tensor) throws

    /// gradWeight [Ci, Co, kd, kh, kw] of the transposed convolution from input
    /// [N, Ci, D, H, W] and gradOutput [N, Co, D', H', W']; gradBias [Co] (if given).
    func convTranspose3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                                       into gradWeight: Tensor, gradBias: Tensor?) throws

    /// Weight standardisation (Qiao et al.): each output channel's slice weight[o]
    /// (weight [Co, ...], K = count / Co values) becomes
    ///     (w - mean) / sqrt(var + eps),  var the unbiased variance (divided by K - 1;
    ///     by 1 when K = 1),
    /// as the reference's `torch.var` (unbiased by default); the paper model uses its eps = 1e-12.
    func standardizeWeights(_ weight: Tensor, into standardized: Tensor, eps: Float) throws

    /// gradWeight [Co, ...] of weight standardisation given gradStandardized: per output
    /// channel, with s = sqrt(var + eps) and y = the standardised weights,
    ///     gradWeight = (g - mean(g) - y * sum(g * y) / (K - 1)) / s.
    func standardizeWeightsBackward(_ weight: Tensor, gradStandardized: Tensor, into gradWeight: Tensor,
                                    eps: Float) throws
}
