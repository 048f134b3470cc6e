/// The modality-weighted knowledge-distillation loss on bottleneck features
/// (method.md section 3) and its gradients.
///
/// With w = softmax(theta_w), the ratio w_i / w_j equals exp(theta_i - theta_j), which
/// is how both backends evaluate it (no overflow, no division).
public protocol DistillationOps: AnyObject {
    /// Over every ordered pair (i, j) of available modalities, i != j (i teacher, j student):
    ///
    ///     D[i, j] = mean_n mean_v dist(f[n, i, v], f[n, j, v])      (dist: |a - b| or (a - b)^2)
    ///     loss    = sum_{i in A} sum_{j in A, j != i} (w_i / w_j) * D[i, j]
    ///
    /// (the mean over the batch of the per-sample weighted sums). The teacher is detached
    /// (stop-gradient): only the student side f_j of each pair gets gradient,
    ///
    ///     dloss/df[n, j, v] = sum_{i in A, i != j} (w_i / w_j) * dist'(f[n, j, v] - f[n, i, v]) / (N * F)
    ///
    /// with dist' = sign (sign(0) = 0 at exact ties; NaN stays NaN) or 2 * difference.
    /// Modalities outside A get zero gradient and zero rows/columns in D. |A| = 1 gives
    /// loss 0, D = 0 and a zero gradient. The ratios are constants here (no gradient to
    /// theta_w: that is `distillationThetaGradient`).
    ///
    /// features: [N * M, C, d, h, w] (see `DistillationDescriptor` for the layout);
    /// thetaW: [M]; loss: [1]; distances: [M, M]; gradFeatures: features' shape, or nil
    /// for the forward only (the look-ahead passes of the bi-level meta step).
    /// Deterministic: fixed-order partial sums, no atomics.
    func modalityWeightedDistillation(_ descriptor: DistillationDescriptor, features: Tensor, thetaW: Tensor,
                                      loss: Tensor, distances: Tensor, gradFeatures: Tensor?) throws

    /// The gradient of scale * loss with respect to theta_w for fixed distances D [M, M]
    /// (method.md 5.2 step 3, scale = lambda):
    ///
    ///     grad[k] = scale * sum_{i != j} D[i, j] * d(w_i / w_j)/d theta_k
    ///             = scale * (sum_{j != k} D[k, j] r[k, j] - sum_{i != k} D[i, k] r[i, k]),  r[i, j] = w_i / w_j
    ///
    /// distances: [M, M] (zero outside the available set, as written by the loss op);
    /// thetaW, gradThetaW: [M]. gradThetaW is overwritten.
    func distillationThetaGradient(distances: Tensor, thetaW: Tensor, scale: Float, into gradThetaW: Tensor) throws
}
