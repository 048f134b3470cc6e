/// One strided block move: for i in 0..<count, destination elements
/// [dstStart + i * dstStep, + blockSize) = (or +=) source elements [srcStart + i * srcStep, + blockSize).
/// Every layout op is a short list of these, planned once here and run by each backend.
struct BlockCopy: Equatable {
    var blockSize: Int, count: Int
    var srcStart: Int, srcStep: Int
    var dstStart: Int, dstStep: Int
    /// Adds into the destination instead of overwriting (gatherBatchBackward's repeats).
    var accumulate = false
}

/// A layout op as block moves between numbered tensors, plus zero fills of destination
/// blocks. Made only here (by the `LayoutOps` ops); backends run it.
public struct LayoutPlan {
    enum Step {
        case copy(BlockCopy, source: Int, destination: Int)
        /// Sets `count` blocks of `blockSize` at start + i * step of destination to 0.
        case zero(destination: Int, blockSize: Int, count: Int, start: Int, step: Int)
    }
    var steps: [Step] = []

    private static func batchEntry(_ t: Tensor, op: String, name: String) throws -> (batch: Int, entry: Int) {
        guard t.shape.rank >= 2 else { throw EngineError.shapeMismatch("\(op): \(name) needs a batch axis and more, got \(t.shape)") }
        return (t.shape[0], t.count / t.shape[0])
    }

    static func concat(_ inputs: [Tensor], _ out: Tensor, op: String, outputIsSource: Bool) throws -> LayoutPlan {
        guard !inputs.isEmpty else { throw EngineError.invalidArgument("\(op): no tensors given") }
        guard out.shape.rank >= 2 else { throw EngineError.shapeMismatch("\(op): \(out.shape) has no channel axis") }
        let n = out.shape[0], trailing = Array(out.shape.dims.dropFirst(2)), inner = trailing.reduce(1, *)
        var offset = 0
        var plan = LayoutPlan()
        for (k, t) in inputs.enumerated() {
            guard t.shape.rank == out.shape.rank, t.shape[0] == n, Array(t.shape.dims.dropFirst(2)) == trailing else {
                throw EngineError.shapeMismatch("\(op): part \(k) is \(t.shape), whole is \(out.shape) (parts must share N and D, H, W)")
            }
            let block = t.shape[1] * inner
            let move = BlockCopy(blockSize: block, count: n, srcStart: 0, srcStep: block,
                                 dstStart: offset * inner, dstStep: out.shape[1] * inner)
            plan.steps.append(outputIsSource
                ? .copy(BlockCopy(blockSize: block, count: n, srcStart: move.dstStart, srcStep: move.dstStep, dstStart: 0, dstStep: block),
                        source: 0, destination: k + 1)
                : .copy(move, source: k, destination: inputs.count))
            offset += t.shape[1]
        }
        guard offset == out.shape[1] else {
            throw EngineError.shapeMismatch("\(op): parts have \(offset) channels in all, whole \(out.shape) has \(out.shape[1])")
        }
        return plan
    }

    static func slice(whole: Tensor, part: Tensor, start: Int, step: Int, op: String, partIsDestination: Bool) throws -> LayoutPlan {
        let (wholeBatch, entry) = try batchEntry(whole, op: op, name: "batched tensor")
        guard Array(whole.shape.dims.dropFirst()) == Array(part.shape.dims.dropFirst()) else {
            throw EngineError.shapeMismatch("\(op): entries of \(whole.shape) and \(part.shape) differ")
        }
        let count = part.shape[0], last = start + (count - 1) * step
        guard start >= 0, step >= 1, last < wholeBatch else {
            throw EngineError.invalidArgument("\(op): entries \(start), \(start + step), ..., \(last) do not fit a batch of \(wholeBatch)")
        }
        let move = BlockCopy(blockSize: entry, count: count, srcStart: start * entry, srcStep: step * entry, dstStart: 0, dstStep: entry)
        return LayoutPlan(steps: [partIsDestination ? .copy(move, source: 0, destination: 1)
            : .copy(BlockCopy(blockSize: entry, count: count, srcStart: 0, srcStep: entry, dstStart: move.srcStart, dstStep: move.srcStep),
                    source: 0, destination: 1)])
    }

    static func gather(source: Tensor, destination: Tensor, indices: [Int], op: String, backward: Bool) throws -> LayoutPlan {
        let full = backward ? destination : source, picked = backward ? source : destination
        let (batch, entry) = try batchEntry(full, op: op, name: "batched tensor")
        guard Array(full.shape.dims.dropFirst()) == Array(picked.shape.dims.dropFirst()), picked.shape[0] == indices.count else {
            throw EngineError.shapeMismatch("\(op): \(indices.count) indices with \(full.shape) and \(picked.shape)")
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= batch }) {
            throw EngineError.invalidArgument("\(op): index \(bad) outside a batch of \(batch)")
        }
        return gatherSteps(indices, batch: batch, entry: entry, backward: backward)
    }

    private static func gatherSteps(_ indices: [Int], batch: Int, entry: Int, backward: Bool) -> LayoutPlan {
        var plan = LayoutPlan()
        func move(_ from: Int, _ to: Int, accumulate: Bool = false) -> Step {
            .copy(BlockCopy(blockSize: entry, count: 1, srcStart: from * entry, srcStep: entry, dstStart: to * entry, dstStep: entry,
                            accumulate: accumulate), source: 0, destination: 1)
        }
        if !backward {
            plan.steps = indices.enumerated().map { i, b in move(b, i) }
            return plan
        }
        for b in 0..<batch {
            let uses = indices.indices.filter { indices[$0] == b }
            guard let first = uses.first else {
                plan.steps.append(.zero(destination: 1, blockSize: entry, count: 1, start: b * entry, step: entry))
                continue
            }
            plan.steps.append(move(first, b))
            for i in uses.dropFirst() { plan.steps.append(move(i, b, accumulate: true)) }
        }
        return plan
    }

    static func zero(_ x: Tensor, indices: [Int], op: String) throws -> LayoutPlan {
        let (batch, entry) = try batchEntry(x, op: op, name: "tensor")
        if let bad = indices.first(where: { $0 < 0 || $0 >= batch }) {
            throw EngineError.invalidArgument("\(op): index \(bad) outside a batch of \(batch)")
        }
        return LayoutPlan(steps: indices.map { .zero(destination: 0, blockSize: entry, count: 1, start: $0 * entry, step: entry) })
    }
}
