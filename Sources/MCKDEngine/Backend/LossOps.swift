/// The task losses. Each op writes the loss into a one-element tensor that stays on
/// the device (only logging downloads it) and, when `gradLogits` is given, the
/// gradient of that loss with respect to the logits in the same call: forward and
/// backward share the per-row statistics, so one op computes both.
///
/// `gradLogits` receives dLoss/dlogits for an upstream gradient of 1 and is
/// overwritten, never accumulated into; combine several losses with `axpy`.
/// NaN in the logits propagates to the loss and the gradient.
public protocol LossOps: AnyObject {
    /// Soft Dice with a sigmoid inside, per channel, smooth 1 in the denominator:
    ///
    ///     p = sigmoid(logits)
    ///     dice[n, c] = 2 * sum_v(p * t) / (sum_v(p) + sum_v(t) + 1)
    ///     loss = mean_c (1 - mean_n dice[n, c])
    ///
    /// logits, targets (0/1 floats): [N, C, D, H, W] (any rank >= 2, [N, C, spatial...]);
    /// loss: [1]; gradLogits: the logits' shape, or nil for the forward only.
    func diceLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws

    /// Binary cross-entropy with logits in the stable form, mean over the voxels of
    /// each channel (batch included), summed over the channels:
    ///
    ///     loss = sum_c mean_{n, v} [max(x, 0) - x * t + log(1 + exp(-|x|))]
    ///     dloss/dx = (sigmoid(x) - t) / (N * D * H * W)
    ///
    /// logits, targets: [N, C, D, H, W] (any rank >= 2); loss: [1]; gradLogits: logits' shape or nil.
    func binaryCrossEntropyLoss(logits: Tensor, targets: Tensor, loss: Tensor, gradLogits: Tensor?) throws

    /// Softmax cross-entropy for classification, mean over the batch:
    ///
    ///     loss = mean_n (logsumexp_k logits[n, k] - logits[n, label[n]])
    ///     dloss/dlogits[n, k] = (softmax(logits[n])[k] - [k == label[n]]) / N
    ///
    /// logits: [N, K]; labels: [N], the class indices stored as floats (every tensor in
    /// the engine is float32; integers up to 2^24 are exact). A label that is not an
    /// integer in 0..<K makes the loss and that sample's gradient row NaN.
    /// loss: [1]; gradLogits: [N, K] or nil.
    func softmaxCrossEntropyLoss(logits: Tensor, labels: Tensor, loss: Tensor, gradLogits: Tensor?) throws
}

/// Checks a Dice/BCE call: logits and targets [N, C, ...] of one shape, a one-element
/// loss, a gradient of the logits' shape. Returns (rows N * C, voxels per row).
func validateVoxelLoss(_ op: String, logits: Tensor, targets: Tensor, loss: Tensor,
                       gradLogits: Tensor?) throws -> (rows: Int, voxels: Int) {
    guard logits.shape.rank >= 2 else {
        throw EngineError.shapeMismatch("\(op): logits \(logits.shape) must be [N, C, ...]")
    }
    guard targets.shape == logits.shape else {
        throw EngineError.shapeMismatch("\(op): targets \(targets.shape) vs logits \(logits.shape)")
    }
    guard loss.count == 1 else { throw EngineError.shapeMismatch("\(op): loss is \(loss.shape), expected 1 element") }
    if let gradLogits, gradLogits.shape != logits.shape {
        throw EngineError.shapeMismatch("\(op): gradLogits \(gradLogits.shape) vs logits \(logits.shape)")
    }
    let rows = logits.shape[0] * logits.shape[1]
    return (rows, logits.count / rows)
}

/// Checks a cross-entropy call; returns (batch N, classes K).
func validateCrossEntropy(logits: Tensor, labels: Tensor, loss: Tensor, gradLogits: Tensor?) throws -> (batch: Int, classes: Int) {
    let op = "softmaxCrossEntropyLoss"
    guard logits.shape.rank == 2 else { throw EngineError.shapeMismatch("\(op): logits \(logits.shape) must be [N, K]") }
    guard labels.shape == Shape(logits.shape[0]) else {
        throw EngineError.shapeMismatch("\(op): labels \(labels.shape), expected \(logits.shape[0]) for logits \(logits.shape)")
    }
    guard loss.count == 1 else { throw EngineError.shapeMismatch("\(op): loss is \(loss.shape), expected 1 element") }
    if let gradLogits, gradLogits.shape != logits.shape {
        throw EngineError.shapeMismatch("\(op): gradLogits \(gradLogits.shape) vs logits \(logits.shape)")
    }
    return (logits.shape[0], logits.shape[1])
}
