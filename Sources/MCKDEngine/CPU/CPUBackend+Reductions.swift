extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func reduce(_ op: ReductionOp, _ x: Tensor, axis: Int, into out: Tensor) throws {
        try validateReduction(of: x, along: axis, into: out)
        let (outer, extent, inner) = x.shape.split(at: axis)
        let input = try buffer(x), result = try buffer(out)
        let factor = op == .mean ? 1 / Double(extent) : 1
        // The oracle accumulates in Double so its own rounding is negligible next to the kernels'.
        parallelFor(outer * inner, minimumChunk: max(1, 16_384 / extent)) { range in
            for slot in range {
                let o = slot / inner, i = slot % inner
                var sum = 0.0
                for k in 0..<extent { sum += Double(input[(o * extent + k) * inner + i]) }
                result[slot] = Scalar(sum * factor)
            }
        }
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func reduceAll(_ op: ReductionOp, _ x: Tensor, into out: Tensor) throws {
        try validateReduceAll(into: out)
        let input = try buffer(x)
        var partials = [Double](repeating: 0, count: 64)
        let chunk = (input.count + partials.count - 1) / partials.count
        partials.withUnsafeMutableBufferPointer { partial in
            parallelFor(partial.count, minimumChunk: 1) { range in
                for p in range {
                    var sum = 0.0
                    for i in min(input.count, p * chunk)..<min(input.count, (p + 1) * chunk) { sum += Double(input[i]) }
                    partial[p] = sum
                }
            }
        }
        let total = partials.reduce(0, +)
        try buffer(out)[0] = Scalar(op == .mean ? total / Double(input.count) : total)
    }
}
