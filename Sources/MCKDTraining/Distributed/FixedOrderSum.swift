/// Sums of equally long float vectors in one fixed order: a pairwise tree over the parts
/// as given (adjacent pairs level by level, an odd last part carried up unchanged). The
/// order is a function of the part count only, so the same parts give the same bits on
/// every rank and in every run. With 2^b parts per rank, a tree over each rank's parts
/// followed by a tree over the ranks' sums is the tree over all parts: a one-process run
/// with --accumulate K reproduces K ranks (or K/2 ranks with --accumulate 2, ...).
enum FixedOrderSum {
    static func sum(_ parts: [[Float]]) -> [Float] {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.count == parts[0].count })
        var level = parts
        while level.count > 1 {
            var next: [[Float]] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                var pair = level[index]
                let right = level[index + 1]
                pair.withUnsafeMutableBufferPointer { left in
                    right.withUnsafeBufferPointer { right in
                        for i in 0..<left.count { left[i] += right[i] }
                    }
                }
                next.append(pair)
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }

    /// The sum divided by `count` (a division per element, the same on every rank).
    static func mean(_ parts: [[Float]], count: Int) -> [Float] {
        var total = sum(parts)
        guard count > 1 else { return total }
        let divisor = Float(count)
        total.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] /= divisor }
        }
        return total
    }
}
