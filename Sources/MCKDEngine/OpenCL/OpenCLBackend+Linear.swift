extension OpenCLBackend {
    public func linearForward(input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        let (n, inFeatures, outFeatures) = try validateLinear("linearForward", input: input, weight: weight, bias: bias, output: output)
        var product = GEMMDescriptor(transposeB: true, m: n, n: outFeatures, k: inFeatures)
        if let bias {
            // Start from the bias and let GEMM add x W^T on top (beta = 1): one pass over y fewer.
            try launch("broadcast_rows", file: "linear", global: [output.count], local: [Self.elementwiseLocalSize],
                       [.tensor(bias), .tensor(output), .int(n), .int(outFeatures)])
            product.beta = 1
        }
        try gemm(product, a: input, b: weight, c: output)
    }

    public func linearBackward(input: Tensor, weight: Tensor, gradOutput: Tensor,
                               gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) throws {
        let (n, _, outFeatures) = try linearBackwardProducts(input: input, weight: weight, gradOutput: gradOutput,
                                                             gradInput: gradInput, gradWeight: gradWeight, gradBias: gradBias)
        if let gradBias {
            try launch("column_sums", file: "linear", global: [outFeatures], local: [Self.elementwiseLocalSize],
                       [.tensor(gradOutput), .tensor(gradBias), .int(n), .int(outFeatures)])
        }
    }
}
