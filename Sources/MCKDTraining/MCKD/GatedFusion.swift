import MCKDEngine

/// Gated fusion of the meta steps (method.md 5.1): fused slot m is multiplied by its
/// importance weight w_m before the decoder (the head). Features are [N*M, ...],
/// sample-major (entry n*M + m); w [M] stays on the device, so the gate never visits the host.
struct GatedFusion {
    /// The features before gating, and the gate G (G[n*M + m, ...] = w_m), for the backward.
    private let features: Tensor
    private let gate: Tensor
    private let modalities: Int

    /// The gated copy of `features`, and the fusion to back-propagate through.
    static func apply(weights: Tensor, to features: Tensor, modalities: Int, backend: any Backend) throws -> (gated: Tensor, fusion: GatedFusion) {
        let gate = try gateTensor(weights: weights, like: features, modalities: modalities, backend: backend)
        let gated = try backend.makeTensor(shape: features.shape)
        try backend.binary(.mul, features, gate, into: gated)
        return (gated, GatedFusion(features: features, gate: gate, modalities: modalities))
    }

    /// dL/dw [M] from the gradient with respect to the gated features, which then becomes
    /// (in place) the gradient with respect to the features before gating.
    func backward(_ gradGated: Tensor, backend: any Backend) throws -> Tensor {
        let gradWeights = try weightGradient(gradGated: gradGated, backend: backend)
        try backend.binary(.mul, gradGated, gate, into: gradGated)
        return gradWeights
    }

    /// G, built as one strided-batched outer product w [M x 1] * ones [1 x K] per sample
    /// (A and B shared across samples: zero strides on the inputs only).
    private static func gateTensor(weights: Tensor, like features: Tensor, modalities: Int, backend: any Backend) throws -> Tensor {
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

    /// dL/dw_m = sum over samples and elements of f[n*M + m] * gradGated[n*M + m]: two
    /// deterministic axis reductions.
    private func weightGradient(gradGated: Tensor, backend: any Backend) throws -> Tensor {
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
}
