import RealModule

extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func modalityWeightedDistillation(_ descriptor: DistillationDescriptor, features: Tensor, thetaW: Tensor,
                                             loss: Tensor, distances: Tensor, gradFeatures: Tensor?) throws {
        let (samples, sliceCount) = try descriptor.validate(features: features, thetaW: thetaW, loss: loss,
                                                            distances: distances, gradFeatures: gradFeatures)
        let m = descriptor.modalityCount, available = descriptor.available
        let f = try buffer(features), theta = try buffer(thetaW)
        let squared = descriptor.distance == .meanSquared
        func slice(_ n: Int, _ modality: Int) -> Int { (n * m + modality) * sliceCount }

        // D[i, j] = mean_n mean_v dist(f[n, i, v], f[n, j, v]) for i < j in A, mirrored (the distance is symmetric).
        let pairs = (0..<m).flatMap { i in (0..<m).map { j in (i, j) } }.filter { i, j in i < j && available[i] && available[j] }
        var pairDistance = [Double](repeating: 0, count: pairs.count)
        pairDistance.withUnsafeMutableBufferPointer { pairDistance in
            parallelFor(pairs.count, minimumChunk: 1) { range in
                for p in range {
                    let (i, j) = pairs[p]
                    var total = 0.0
                    for n in 0..<samples {
                        var sum = 0.0
                        for v in 0..<sliceCount {
                            let d = Double(f[slice(n, i) + v]) - Double(f[slice(n, j) + v])
                            sum += squared ? d * d : Swift.abs(d)
                        }
                        total += sum / Double(sliceCount)
                    }
                    pairDistance[p] = total / Double(samples)
                }
            }
        }
        var d = [Double](repeating: 0, count: m * m)
        for (p, (i, j)) in pairs.enumerated() {
            d[i * m + j] = pairDistance[p]
            d[j * m + i] = pairDistance[p]
        }
        // r[i, j] = w_i / w_j = exp(theta_i - theta_j) for w = softmax(theta).
        var ratio = [Double](repeating: 0, count: m * m)
        for i in 0..<m { for j in 0..<m { ratio[i * m + j] = Double.exp(Double(theta[i]) - Double(theta[j])) } }
        var total = 0.0
        for i in 0..<m where available[i] {
            for j in 0..<m where j != i && available[j] { total += ratio[i * m + j] * d[i * m + j] }
        }
        try buffer(loss)[0] = Scalar(total)
        let out = try buffer(distances)
        for k in 0..<m * m { out[k] = Scalar(d[k]) }

        guard let gradFeatures else { return }
        let grad = try buffer(gradFeatures)
        // Student j gathers one term per teacher i != j in A, in order of i.
        let scale = (squared ? 2 : 1) / Double(samples * sliceCount)
        parallelFor(grad.count) { range in
            for index in range {
                let v = index % sliceCount, j = (index / sliceCount) % m, n = index / (sliceCount * m)
                guard available[j] else { grad[index] = 0; continue }
                let student = Double(f[index])
                var g = 0.0
                for i in 0..<m where i != j && available[i] {
                    let difference = student - Double(f[slice(n, i) + v])
                    g += ratio[i * m + j] * (squared ? difference : Self.signKeepingNaN(difference))
                }
                grad[index] = Scalar(g * scale)
            }
        }
    }

    /// sign with sign(0) = 0 (the L1 subgradient we pick at exact ties) and NaN passed through.
    @inline(__always)
    static func signKeepingNaN(_ x: Double) -> Double {
        x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x))
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func distillationThetaGradient(distances: Tensor, thetaW: Tensor, scale: Float, into gradThetaW: Tensor) throws {
        let m = thetaW.count
        guard thetaW.shape == Shape(m), distances.shape == Shape(m, m), gradThetaW.shape == Shape(m) else {
            throw EngineError.shapeMismatch("distillationThetaGradient: distances \(distances.shape), theta_w \(thetaW.shape), gradient \(gradThetaW.shape); expected MxM, M, M")
        }
        let d = try buffer(distances), theta = try buffer(thetaW), grad = try buffer(gradThetaW)
        func ratio(_ i: Int, _ j: Int) -> Double { Double.exp(Double(theta[i]) - Double(theta[j])) }
        // d r[i, j] / d theta_k = r[i, j] * ([i == k] - [j == k]).
        for k in 0..<m {
            var g = 0.0
            for j in 0..<m where j != k { g += Double(d[k * m + j]) * ratio(k, j) }
            for i in 0..<m where i != k { g -= Double(d[i * m + k]) * ratio(i, k) }
            grad[k] = Scalar(Double(scale) * g)
        }
    }
}
