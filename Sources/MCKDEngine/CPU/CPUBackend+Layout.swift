extension CPUBackend {
    /// Runs a layout plan; `tensors` are numbered as the plan numbers them.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    func runLayoutPlan(_ plan: LayoutPlan, _ tensors: [Tensor]) throws {
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

    public func concatChannels(_ inputs: [Tensor], into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.concat(inputs, out, op: "concatChannels", outputIsSource: false), inputs + [out])
    }

    public func splitChannels(_ x: Tensor, into outputs: [Tensor]) throws {
        try runLayoutPlan(LayoutPlan.concat(outputs, x, op: "splitChannels", outputIsSource: true), [x] + outputs)
    }

    public func sliceBatch(_ x: Tensor, start: Int, step: Int, into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.slice(whole: x, part: out, start: start, step: step, op: "sliceBatch", partIsDestination: true), [x, out])
    }

    public func assignBatchSlice(_ x: Tensor, into out: Tensor, start: Int, step: Int) throws {
        try runLayoutPlan(LayoutPlan.slice(whole: out, part: x, start: start, step: step, op: "assignBatchSlice", partIsDestination: false), [x, out])
    }

    public func groupModalities(_ x: Tensor, modalities: Int, order: ModalityBatchOrder, into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.group(batched: x, grouped: out, modalities: modalities, order: order, op: "groupModalities", toGrouped: true), [x, out])
    }

    public func ungroupModalities(_ x: Tensor, modalities: Int, order: ModalityBatchOrder, into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.group(batched: out, grouped: x, modalities: modalities, order: order, op: "ungroupModalities", toGrouped: false), [x, out])
    }

    public func gatherBatch(_ x: Tensor, indices: [Int], into out: Tensor) throws {
        try runLayoutPlan(LayoutPlan.gather(source: x, destination: out, indices: indices, op: "gatherBatch", backward: false), [x, out])
    }

    public func gatherBatchBackward(_ gradOutput: Tensor, indices: [Int], into gradInput: Tensor) throws {
        try runLayoutPlan(LayoutPlan.gather(source: gradOutput, destination: gradInput, indices: indices, op: "gatherBatchBackward", backward: true),
                [gradOutput, gradInput])
    }

    public func zeroBatchEntries(_ x: Tensor, indices: [Int]) throws {
        try runLayoutPlan(LayoutPlan.zero(x, indices: indices, op: "zeroBatchEntries"), [x])
    }
}
