/// Sums of equally long float vectors in one fixed order: a pairwise tree over the parts
/// as given (adjacent pairs level by level, an odd last part carried up unchanged). The
/// order is a function of the part count only, so the same parts give the same bits on
/// every rank and in every run. With 2^b parts per rank, a tree over each rank's parts
/// followed by a tree over the ranks' sums is the tree over all parts: a one-process run
/// with --accumulate K reproduces K ranks (or K/2 ranks with --accumulate 2, ...).
public enum FixedOrderSum {
    public static func sum(_ parts: [[Float]]) -> [Float] {
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

    /// `mean` of the `parts` slices of `length` floats laid end to end in `buffer`, by the
    /// same tree and division, so the same bits, without an array per part: pairs at
    /// stride 1, 2, 4, ... summed in place (part i += part i + stride for i a multiple of
    /// twice the stride) are the adjacent pairs of each level of the tree. `buffer` is
    /// overwritten; the result is its first slice.
    public static func mean(ofSlices buffer: inout [Float], parts: Int, length: Int, count: Int) -> [Float] {
        precondition(parts >= 1 && buffer.count == parts * length)
        buffer.withUnsafeMutableBufferPointer { values in
            var stride = 1
            while stride < parts {
                var left = 0
                while left + stride < parts {
                    let a = left * length, b = (left + stride) * length
                    for i in 0..<length { values[a + i] += values[b + i] }
                    left += 2 * stride
                }
                stride *= 2
            }
            guard count > 1 else { return }
            let divisor = Float(count)
            for i in 0..<length { values[i] /= divisor }
        }
        return Array(buffer[0..<length])
    }

    /// The sum divided by `count` (a division per element, the same on every rank).
    public static func mean(_ parts: [[Float]], count: Int) -> [Float] {
        var total = sum(parts)
        guard count > 1 else { return total }
        let divisor = Float(count)
        total.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] /= divisor }
        }
        return total
    }
}
