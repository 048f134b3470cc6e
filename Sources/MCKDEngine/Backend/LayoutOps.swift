/// Pure copies that move channels and batch entries around: bitwise exact on every backend.
/// Inputs and outputs must not alias.
///
/// Each op is planned once, here, as a `LayoutPlan` (strided block moves and zero fills);
/// a backend provides only `runLayoutPlan`, so the ops cannot drift apart between backends.
public protocol LayoutOps: AnyObject {
    /// Runs the plan's steps in order; `tensors` are numbered as the plan numbers them.
    func runLayoutPlan(_ plan: LayoutPlan, _ tensors: [Tensor]) throws
}

extension LayoutOps {
    /// out = inputs concatenated along channels: inputs[k]: [N, C_k, ...] (same N and
    /// trailing axes), out: [N, sum C_k, ...].
    public func concatChannels(_ inputs: [Tensor], into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.concat(inputs, out, op: "concatChannels", outputIsSource: false), inputs + [out])
    }

    /// The inverse of concatChannels (its backward): outputs[k] = x[:, offset_k ..< offset_k + C_k].
    public func splitChannels(_ x: Tensor, into outputs: [Tensor]) throws {
        try runLayoutPlan(LayoutPlan.concat(outputs, x, op: "splitChannels", outputIsSource: true), [x] + outputs)
    }

    /// out[i] = x[start + i * step] along the batch axis, i in 0..<out.N (a strided batch slice).
    public func sliceBatch(_ x: Tensor, start: Int, step: Int, into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.slice(whole: x, part: out, start: start, step: step, op: "sliceBatch", partIsDestination: true), [x, out])
    }

    /// out[start + i * step] = x[i] for i in 0..<x.N; the other entries of out are left
    /// untouched (so the M slices of sliceBatch assemble their backward).
    public func assignBatchSlice(_ x: Tensor, into out: Tensor, start: Int, step: Int) throws {
        try runLayoutPlan(LayoutPlan.slice(whole: out, part: x, start: start, step: step, op: "assignBatchSlice", partIsDestination: false),
                          [x, out])
    }

    /// out[i] = x[indices[i]] along the batch axis (indices may repeat).
    public func gatherBatch(_ x: Tensor, indices: [Int], into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.gather(source: x, destination: out, indices: indices, op: "gatherBatch", backward: false), [x, out])
    }

    /// Backward of gatherBatch: gradInput[b] = sum of gradOutput[i] over i with
    /// indices[i] == b, in ascending i (zero for entries never gathered).
    public func gatherBatchBackward(_ gradOutput: Tensor, indices: [Int], into gradInput: Tensor) throws {
        try runLayoutPlan(LayoutPlan.gather(source: gradOutput, destination: gradInput, indices: indices, op: "gatherBatchBackward",
                                            backward: true), [gradOutput, gradInput])
    }

    /// Sets the listed batch entries of x to zero in place (a missing modality's input).
    public func zeroBatchEntries(_ x: Tensor, indices: [Int]) throws {
        try runLayoutPlan(LayoutPlan.zero(x, indices: indices, op: "zeroBatchEntries"), [x])
    }
}
