extension OpenCLBackend {
    /// Runs a layout plan with Kernels/layout.cl; `tensors` are numbered as the plan numbers them.
    func runLayoutPlan(_ plan: LayoutPlan, _ tensors: [Tensor]) throws {
        for step in plan.steps {
            switch step {
            case let .copy(move, source, destination):
                try launch(move.accumulate ? "add_blocks" : "copy_blocks", file: "layout",
                           global: [move.blockSize, move.count], local: [Self.elementwiseLocalSize, 1],
                           [.tensor(tensors[source]), .tensor(tensors[destination]), .int(move.blockSize), .int(move.count),
                            .int(move.srcStart), .int(move.srcStep), .int(move.dstStart), .int(move.dstStep)])
            case let .zero(destination, blockSize, count, start, step):
                try launch("zero_blocks", file: "layout", global: [blockSize, count], local: [Self.elementwiseLocalSize, 1],
                           [.tensor(tensors[destination]), .int(blockSize), .int(count), .int(start), .int(step)])
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
