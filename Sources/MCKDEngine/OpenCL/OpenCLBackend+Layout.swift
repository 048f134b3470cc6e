extension OpenCLBackend {
    /// Runs a layout plan with Kernels/layout.cl; `tensors` are numbered as the plan numbers them.
    public func runLayoutPlan(_ plan: LayoutPlan, _ tensors: [Tensor]) throws {
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
}
