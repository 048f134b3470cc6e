/// Batch, instance and group normalisation of NCDHW tensors with a per-channel affine
/// transform. Statistics are computed deterministically in two passes (mean, then the
/// mean squared deviation), each as per-chunk partial sums added in a fixed order.
public protocol NormalizationOps: AnyObject {
    /// y = (x - mean) * invstd * gamma[c] + beta[c].
    ///
    /// x, y: [N, C, D, H, W]; gamma, beta: [C]; savedMean, savedInvStd:
    /// [descriptor.statisticCount(for: x.shape)] (C for batch norm, N*C instance,
    /// N*groups group norm), written for the backward pass. runningMean and
    /// runningVariance ([C]) are required for batch norm (updated when training, read
    /// when not) and ignored otherwise. A constant input has variance 0 and gives
    /// invstd = 1/sqrt(epsilon): finite, never 0/0.
    func normalizationForward(_ descriptor: NormalizationDescriptor, x: Tensor, gamma: Tensor, beta: Tensor,
                              runningMean: Tensor?, runningVariance: Tensor?,
                              into y: Tensor, savedMean: Tensor, savedInvStd: Tensor) throws

    /// Gradients of the forward pass for the incoming gradOutput ([N, C, D, H, W]).
    ///
    /// With batch statistics, gradInput = invstd * (g - mean(g) - xhat * mean(g * xhat))
    /// over each statistic's elements, g = gradOutput * gamma[c]; batch norm in
    /// evaluation gives gradInput = invstd * gradOutput * gamma[c]. gradGamma[c] =
    /// sum gradOutput * xhat, gradBeta[c] = sum gradOutput over N, D, H, W.
    /// All three outputs are overwritten.
    func normalizationBackward(_ descriptor: NormalizationDescriptor, x: Tensor, gradOutput: Tensor, gamma: Tensor,
                               savedMean: Tensor, savedInvStd: Tensor,
                               gradInput: Tensor, gradGamma: Tensor, gradBeta: Tensor) throws
}
