import Foundation
import MCKDEngine

/// How one training step's global batch is split: over the ranks of `communicator`,
/// then into `microBatches` per rank (--accumulate K). Rank r trains global samples
/// [r B/N, (r+1) B/N); micro-batch k of it the k-th B/(N K) of those. Every average
/// (gradients, loss parts, look-ahead distances) is a pairwise tree over each rank's K
/// micro-batches, then over the ranks in rank order, divided by N K: the same bits on
/// every rank, and a one-process run with --accumulate N equals N ranks.
public final class DataParallel {
    public let communicator: any Communicator
    /// K: micro-batches per rank and step.
    public let microBatches: Int
    /// Use MPI_Allreduce for the gradients: faster on large jobs, not bitwise.
    public let libraryAllReduce: Bool
    /// Collectives, floats received and seconds spent in them, for the benchmark.
    public private(set) var counters = (collectives: 0, floats: 0, seconds: 0.0)

    public init(communicator: any Communicator = SingleProcess(), microBatches: Int = 1, libraryAllReduce: Bool = false) {
        self.communicator = communicator
        self.microBatches = microBatches
        self.libraryAllReduce = libraryAllReduce
    }

    /// One process, one micro-batch: today's step, nothing averaged.
    public var isSingle: Bool { communicator.size == 1 && microBatches == 1 }
    public var rankCount: Int { communicator.size }
    /// N K.
    public var totalMicroBatches: Int { rankCount * microBatches }

    /// This rank's micro-batches of a global batch: each one's range of global sample indices.
    public func microBatchRanges(globalBatch: Int) throws -> [Range<Int>] {
        guard globalBatch % totalMicroBatches == 0 else {
            throw DistributedError.unsupported("--batch \(globalBatch) must be divisible by the processes (\(rankCount)) x --accumulate (\(microBatches)) = \(totalMicroBatches)")
        }
        let size = globalBatch / totalMicroBatches
        return (0..<microBatches).map { k in
            let start = (communicator.rank * microBatches + k) * size
            return start..<(start + size)
        }
    }

    /// The mean of this rank's micro-batch vectors and every other rank's (small vectors:
    /// loss parts, distances). `local` holds K vectors of one length.
    public func average(_ local: [[Float]], name: String) throws -> [Float] {
        precondition(local.count == microBatches)
        if isSingle { return local[0] }
        let length = local[0].count
        let gathered = try collective { try communicator.allGather(local.flatMap { $0 }, name: name) }
        let perRank = (0..<rankCount).map { r in
            FixedOrderSum.sum((0..<microBatches).map { k in
                Array(gathered[((r * microBatches + k) * length)..<((r * microBatches + k + 1) * length)])
            })
        }
        return FixedOrderSum.mean(perRank, count: totalMicroBatches)
    }

    /// The mean gradient (large vectors): this rank's K micro-batch gradients summed, then
    /// reduce-scatter by chunks (rank c sums chunk c of every rank's sum, in rank order)
    /// and all-gather, so every rank holds the same bits while moving about twice the
    /// gradient per rank, as a ring all-reduce does.
    public func averageGradient(_ local: [[Float]]) throws -> [Float] {
        precondition(local.count == microBatches)
        var localSum = FixedOrderSum.sum(local)
        guard rankCount > 1 else { return FixedOrderSum.mean([localSum], count: totalMicroBatches) }
        if libraryAllReduce {
            let total = try collective { try communicator.allReduceSum(localSum, name: "gradient all-reduce") }
            return FixedOrderSum.mean([total], count: totalMicroBatches)
        }
        // In place where it can be: at 43.7M floats every extra copy costs as much as a collective's local work.
        let count = localSum.count, chunk = (count + rankCount - 1) / rankCount
        localSum.append(contentsOf: repeatElement(0, count: chunk * rankCount - count))
        var received = try collective { try communicator.allToAll(localSum, chunk: chunk, name: "gradient reduce-scatter") }
        let mine = FixedOrderSum.mean(ofSlices: &received, parts: rankCount, length: chunk, count: totalMicroBatches)
        var gathered = try collective { try communicator.allGather(mine, name: "gradient all-gather") }
        gathered.removeLast(gathered.count - count)
        return gathered
    }

    private func collective<Result: Collection>(_ body: () throws -> Result) rethrows -> Result {
        let start = Date()
        let result = try body()
        counters.collectives += 1
        counters.floats += result.count
        counters.seconds += Date().timeIntervalSince(start)
        return result
    }
}
