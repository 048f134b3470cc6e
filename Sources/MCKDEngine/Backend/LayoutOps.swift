/// How a batch of N samples times M modalities is ordered along the batch axis.
public enum ModalityBatchOrder: Equatable, Sendable {
    /// Entry n * M + m (a [N, M, ...] tensor viewed as [N*M, 1, ...]).
    case sampleMajor
    /// Entry m * N + n (modality blocks of N samples).
    case modalityMajor
}

/// Pure copies that move channels and batch entries around: bitwise exact on every backend.
/// Inputs and outputs must not alias.
public protocol LayoutOps: AnyObject {
    /// out = inputs concatenated along channels: inputs[k]: [N, C_k, ...] (same N and
    /// trailing axes), out: [N, sum C_k, ...].
    func concatChannels(_ inputs: [Tensor], into out: Tensor) throws

    /// The inverse of concatChannels (its backward): outputs[k] = x[:, offset_k ..< offset_k + C_k].
    func splitChannels(_ x: Tensor, into outputs: [Tensor]) throws

    /// out[i] = x[start + i * step] along the batch axis, i in 0..<out.N (a strided batch slice).
    func sliceBatch(_ x: Tensor, start: Int, step: Int, into out: Tensor) throws

    /// out[start + i * step] = x[i] for i in 0..<x.N; the other entries of out are left
    /// untouched (so the M slices of sliceBatch assemble their backward).
    func assignBatchSlice(_ x: Tensor, into out: Tensor, start: Int, step: Int) throws

    /// Regroups the shared encoder's batch into per-sample channel blocks:
    /// x: [N*M, C, ...] in `order`, out: [N, M*C, ...] with modality m in channels m*C ..< (m+1)*C.
    func groupModalities(_ x: Tensor, modalities: Int, order: ModalityBatchOrder, into out: Tensor) throws

    /// The inverse of groupModalities (and its backward): x: [N, M*C, ...] -> out: [N*M, C, ...].
    func ungroupModalities(_ x: Tensor, modalities: Int, order: ModalityBatchOrder, into out: Tensor) throws

    /// out[i] = x[indices[i]] along the batch axis (indices may repeat).
    func gatherBatch(_ x: Tensor, indices: [Int], into out: Tensor) throws

    /// Backward of gatherBatch: gradInput[b] = sum of gradOutput[i] over i with
    /// indices[i] == b, in ascending i (zero for entries never gathered).
    func gatherBatchBackward(_ gradOutput: Tensor, indices: [Int], into gradInput: Tensor) throws

    /// Sets the listed batch entries of x to zero in place (a missing modality's input).
    func zeroBatchEntries(_ x: Tensor, indices: [Int]) throws
}
