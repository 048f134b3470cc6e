/// The fully connected layer y = x W^T + b in PyTorch's layout, built on the backend's
/// `gemm` plus small bias kernels.
public protocol LinearOps: AnyObject {
    /// y = x W^T + b. input x: [N, in]; weight W: [out, in]; bias b: [out] or nil;
    /// output y: [N, out] (overwritten).
    func linearForward(input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws

    /// The gradients of y = x W^T + b for the upstream gradient dy [N, out]:
    ///
    ///     gradInput  = dy W       [N, in]
    ///     gradWeight = dy^T x     [out, in]
    ///     gradBias   = sum_n dy   [out]  (a column sum in fixed order: deterministic)
    ///
    /// Each output that is given is overwritten (pass nil to skip it).
    func linearBackward(input: Tensor, weight: Tensor, gradOutput: Tensor,
                        gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) throws
}

/// Checks the shapes of a linear layer; returns (batch N, in, out).
func validateLinear(_ op: String, input: Tensor, weight: Tensor, bias: Tensor?, output: Tensor?,
                    gradInput: Tensor? = nil, gradWeight: Tensor? = nil) throws -> (batch: Int, inFeatures: Int, outFeatures: Int) {
    guard input.shape.rank == 2, weight.shape.rank == 2, input.shape[1] == weight.shape[1] else {
        throw EngineError.shapeMismatch("\(op): input \(input.shape) must be [N, in] and weight \(weight.shape) [out, in]")
    }
    let (n, inFeatures, outFeatures) = (input.shape[0], input.shape[1], weight.shape[0])
    if let bias, bias.shape != Shape(outFeatures) {
        throw EngineError.shapeMismatch("\(op): bias \(bias.shape), expected \(outFeatures)")
    }
    if let output, output.shape != Shape(n, outFeatures) {
        throw EngineError.shapeMismatch("\(op): output \(output.shape), expected \(n)x\(outFeatures) for input \(input.shape), weight \(weight.shape)")
    }
    if let gradInput, gradInput.shape != input.shape {
        throw EngineError.shapeMismatch("\(op): gradInput \(gradInput.shape) vs input \(input.shape)")
    }
    if let gradWeight, gradWeight.shape != weight.shape {
        throw EngineError.shapeMismatch("\(op): gradWeight \(gradWeight.shape) vs weight \(weight.shape)")
    }
    return (n, inFeatures, outFeatures)
}

extension Backend {
    /// The checks and the two matrix products of the linear backward, shared by both
    /// backends (which differ only in the bias gradient's column sum):
    /// dx = dy W ([N, out] x [out, in]) and dW = dy^T x ([out, N] x [N, in]).
    func linearBackwardProducts(input: Tensor, weight: Tensor, gradOutput: Tensor, gradInput: Tensor?, gradWeight: Tensor?,
                                gradBias: Tensor?) throws -> (batch: Int, inFeatures: Int, outFeatures: Int) {
        let (n, inFeatures, outFeatures) = try validateLinear("linearBackward", input: input, weight: weight, bias: gradBias,
                                                              output: gradOutput, gradInput: gradInput, gradWeight: gradWeight)
        if let gradInput {
            try gemm(GEMMDescriptor(m: n, n: inFeatures, k: outFeatures), a: gradOutput, b: weight, c: gradInput)
        }
        if let gradWeight {
            try gemm(GEMMDescriptor(transposeA: true, m: outFeatures, n: inFeatures, k: n), a: gradOutput, b: input, c: gradWeight)
        }
        return (n, inFeatures, outFeatures)
    }
}
