extension CPUBackend {
    /// Runs a layout plan; `tensors` are numbered as the plan numbers them.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func runLayoutPlan(_ plan: LayoutPlan, _ tensors: [Tensor]) throws {
        let buffers = try tensors.map { try buffer($0) }
        for step in plan.steps {
            switch step {
            case let .copy(move, source, destination):
                let src = buffers[source], dst = buffers[destination]
                // One destination block per task: each output element written by one thread.
                parallelFor(move.count * move.blockSize, minimumChunk: 65_536) { range in
                    for flat in range {
                        let i = flat / move.blockSize, e = flat % move.blockSize
                        let value = src[move.srcStart + i * move.srcStep + e]
                        let target = move.dstStart + i * move.dstStep + e
                        dst[target] = move.accumulate ? dst[target] + value : value
                    }
                }
            case let .zero(destination, blockSize, count, start, step):
                let dst = buffers[destination]
                for i in 0..<count { for e in 0..<blockSize { dst[start + i * step + e] = 0 } }
            }
        }
    }
}
