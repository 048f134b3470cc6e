/// Per-case results computed by the ranks in turns (rank r takes cases r, r + N, ...) and
/// returned to every rank in case order, as if one process had computed them all. A
/// result is a fixed-shape table of doubles, sent by their bit patterns.
struct ShardedEvaluation {
    let communicator: any Communicator

    /// Each case's `rows` x `columns` result, in case order, on every rank.
    func perCase(_ caseCount: Int, rows: Int, columns: Int, _ evaluate: (Int) throws -> [[Double]]) throws -> [[[Double]]] {
        let mine = try stride(from: communicator.rank, to: caseCount, by: communicator.size).map(evaluate)
        return try exchange(mine, caseCount: caseCount, rows: rows, columns: columns)
    }

    /// All-gathers each rank's cases (padded to the same count: a rank may have one case
    /// fewer, or none) and interleaves them back.
    private func exchange(_ mine: [[[Double]]], caseCount: Int, rows: Int, columns: Int) throws -> [[[Double]]] {
        let n = communicator.size, slots = (caseCount + n - 1) / n, size = rows * columns
        var bytes: [UInt8] = []
        bytes.reserveCapacity(slots * size * 8)
        for slot in 0..<slots {
            for row in 0..<rows {
                for column in 0..<columns {
                    let value = slot < mine.count ? mine[slot][row][column] : 0
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
                }
            }
        }
        let all = try communicator.allGather(bytes: bytes, name: "evaluation")
        return (0..<caseCount).map { index in
            let start = ((index % n) * slots + index / n) * size * 8
            return (0..<rows).map { row in
                (0..<columns).map { column in
                    let offset = start + (row * columns + column) * 8
                    let bits = all[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    return Double(bitPattern: bits)
                }
            }
        }
    }
}
