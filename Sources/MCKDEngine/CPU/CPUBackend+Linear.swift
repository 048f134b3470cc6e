extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func linearForward(input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        let (n, inFeatures, outFeatures) = try validateLinear("linearForward", input: input, weight: weight, bias: bias, output: output)
        // y = x W^T: [N, in] x [in, out].
        try gemm(GEMMDescriptor(transposeB: true, m: n, n: outFeatures, k: inFeatures), a: input, b: weight, c: output)
        guard let bias else { return }
        let y = try buffer(output), b = try buffer(bias)
        parallelFor(y.count) { range in for i in range { y[i] += b[i % outFeatures] } }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func linearBackward(input: Tensor, weight: Tensor, gradOutput: Tensor,
                               gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) throws {
        let (n, _, outFeatures) = try linearBackwardProducts(input: input, weight: weight, gradOutput: gradOutput,
                                                             gradInput: gradInput, gradWeight: gradWeight, gradBias: gradBias)
        if let gradBias {
            let dy = try buffer(gradOutput), db = try buffer(gradBias)
            parallelFor(outFeatures, minimumChunk: 64) { range in
                for o in range {
                    var sum = 0.0
                    for row in 0..<n { sum += Double(dy[row * outFeatures + o]) }
                    db[o] = Scalar(sum)
                }
            }
        }
    }
}
