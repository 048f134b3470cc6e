import MCKDEngine

/// Gated fusion of the meta steps (method.md 5.1): bottleneck slot m is multiplied by
/// its importance weight w_m. Features are [N*M, C, ...] sample-major; w is [M] on the
/// device, so the gate never visits the host.
enum ModalityGate {
    /// G with G[n*M + m, ...] = w_m, built as one strided-batched outer product
    /// w [M x 1] * ones [1 x K] per sample (A and B shared across samples: zero strides
    /// on the inputs only).
    static func gateTensor(weights: Tensor, like features: Tensor, modalities: Int, backend: any Backend) throws -> Tensor {
        let samples = features.shape[0] / modalities
        let perSlot = features.count / features.shape[0]
        let ones = try backend.full(Shape(perSlot), value: 1)
        let gate = try backend.makeTensor(shape: features.shape)
        var product = GEMMDescriptor(m: modalities, n: perSlot, k: 1)
        product.batchCount = samples
        product.strideA = 0
        product.strideB = 0
        product.strideC = modalities * perSlot
        try backend.gemm(product, a: weights, b: ones, c: gate)
        return gate
    }

    /// dL/dw_m = sum over samples and elements of f[n*M + m] * gradGated[n*M + m].
    static func weightGradient(features: Tensor, gradGated: Tensor, modalities: Int, backend: any Backend) throws -> Tensor {
        let samples = features.shape[0] / modalities
        let perSlot = features.count / features.shape[0]
        let product = try backend.makeTensor(shape: Shape(samples, modalities, perSlot))
        try backend.binary(.mul, try features.reshaped(product.shape), try gradGated.reshaped(product.shape), into: product)
        let perSample = try backend.makeTensor(shape: Shape(samples, modalities, 1))
        try backend.reduce(.sum, product, axis: 2, into: perSample)
        let total = try backend.makeTensor(shape: Shape(1, modalities, 1))
        try backend.reduce(.sum, perSample, axis: 0, into: total)
        return try total.reshaped(Shape(modalities))
    }

    /// w = softmax(theta_w) as [M].
    static func weights(theta: Tensor, backend: any Backend) throws -> Tensor {
        let m = theta.count
        let w = try backend.makeTensor(shape: Shape(1, m))
        try backend.softmaxForward(x: try theta.reshaped(Shape(1, m)), into: w)
        return try w.reshaped(Shape(m))
    }

    /// dL/dtheta from dL/dw through the softmax.
    static func thetaGradient(weights: Tensor, gradWeights: Tensor, backend: any Backend) throws -> Tensor {
        let m = weights.count
        let grad = try backend.makeTensor(shape: Shape(1, m))
        try backend.softmaxBackward(y: try weights.reshaped(Shape(1, m)), gradOutput: try gradWeights.reshaped(Shape(1, m)), into: grad)
        return try grad.reshaped(Shape(m))
    }
}
