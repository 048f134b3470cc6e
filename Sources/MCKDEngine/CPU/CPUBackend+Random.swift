extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func fillRandom(_ tensor: Tensor, _ distribution: RandomDistribution, seed: UInt64, stream: UInt64) throws {
        let out = try buffer(tensor)
        parallelFor(out.count) { range in
            for i in range {
                out[i] = Scalar(CounterRandom.value(distribution, seed: seed, stream: stream, index: i))
            }
        }
    }
}
