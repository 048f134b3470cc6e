/// Max pooling over D, H, W and global average pooling.
public protocol PoolingOps: AnyObject {
    /// y[n,c,o] = max over the window of o; x: [N, C, D, H, W], y and argmax:
    /// descriptor.outputShape(for: x.shape). argmax[n,c,o] holds the flat index
    /// (d * H + h) * W + w of the winner inside its (n, c) volume, stored as a float
    /// (exact: volumes are limited to 2^24 voxels). Ties go to the first maximum in
    /// window order (d, then h, then w ascending); a NaN wins over any number.
    func maxPoolForward(_ descriptor: PoolingDescriptor, x: Tensor, into y: Tensor, argmax: Tensor) throws

    /// gradInput[n,c,i] = sum of gradOutput over the windows whose argmax is i (gather:
    /// windows visited in ascending order). gradInput: the forward input's shape.
    func maxPoolBackward(_ descriptor: PoolingDescriptor, gradOutput: Tensor, argmax: Tensor, into gradInput: Tensor) throws

    /// y[n,c,0,0,0] = mean of x[n,c] over D, H, W; x: [N, C, D, H, W], y: [N, C, 1, 1, 1].
    /// Deterministic chunked sums.
    func globalAveragePoolForward(x: Tensor, into y: Tensor) throws

    /// gradInput[n,c,d,h,w] = gradOutput[n,c,0,0,0] / (D * H * W).
    func globalAveragePoolBackward(gradOutput: Tensor, into gradInput: Tensor) throws
}
