extension OpenCLBackend {
    public func modalityWeightedDistillation(_ descriptor: DistillationDescriptor, features: Tensor, thetaW: Tensor,
                                             loss: Tensor, distances: Tensor, gradFeatures: Tensor?) throws {
        let (samples, slice) = try descriptor.validate(features: features, thetaW: thetaW, loss: loss,
                                                       distances: distances, gradFeatures: gradFeatures)
        let m = descriptor.modalityCount, mask = descriptor.availableMask
        let squared = descriptor.distance == .meanSquared
        // M is compiled in (fixed per model); the available set changes per batch and stays an argument.
        let defines = ["MODALITIES=\(m)", "MEAN_SQUARED=\(squared ? 1 : 0)"]
        let pairs = m * (m - 1) / 2
        // Per-element distances of each unordered pair, then one deterministic reduction per (sample, pair).
        let terms = try makeTensor(shape: Shape(max(1, samples * pairs), slice))
        let sums = try makeTensor(shape: Shape(max(1, samples * pairs), 1))
        let ratios = try makeTensor(shape: Shape(m, m))
        try launch("kd_terms", file: "distillation", defines: defines, global: [slice, samples * pairs],
                   local: [Self.elementwiseLocalSize, 1], [.tensor(features), .tensor(terms), .int(slice), .int(mask)])
        try reduce(.sum, terms, axis: 1, into: sums)
        try launch("kd_finish", file: "distillation", defines: defines, global: [1], local: [1],
                   [.tensor(sums), .tensor(thetaW), .tensor(distances), .tensor(ratios), .tensor(loss),
                    .int(samples), .int(slice), .int(mask)])
        guard let gradFeatures else { return }
        let scale = Float((squared ? 2 : 1) / Double(samples * slice))
        try launch("kd_backward", file: "distillation", defines: defines, global: [slice, samples * m],
                   local: [Self.elementwiseLocalSize, 1],
                   [.tensor(features), .tensor(ratios), .tensor(gradFeatures), .int(slice), .int(mask), .float(scale)])
    }

    public func distillationThetaGradient(distances: Tensor, thetaW: Tensor, scale: Float, into gradThetaW: Tensor) throws {
        let m = thetaW.count
        guard thetaW.shape == Shape(m), distances.shape == Shape(m, m), gradThetaW.shape == Shape(m) else {
            throw EngineError.shapeMismatch("distillationThetaGradient: distances \(distances.shape), theta_w \(thetaW.shape), gradient \(gradThetaW.shape); expected MxM, M, M")
        }
        try launch("kd_theta_gradient", file: "distillation", defines: ["MODALITIES=\(m)", "MEAN_SQUARED=0"], global: [m],
                   local: [Self.elementwiseLocalSize], [.tensor(distances), .tensor(thetaW), .tensor(gradThetaW), .float(scale)])
    }
}
