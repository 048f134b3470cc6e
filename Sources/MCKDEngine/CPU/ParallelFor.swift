import Dispatch
import Foundation

/// Splits 0..<count into contiguous chunks run on all cores; each index is handled
/// by exactly one chunk, so results never depend on the thread count.
@inline(__always)
func parallelFor(_ count: Int, minimumChunk: Int = 16_384, _ body: (Range<Int>) -> Void) {
    let workers = ProcessInfo.processInfo.activeProcessorCount
    let chunks = min(workers, max(1, count / max(minimumChunk, 1)))
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunkSize = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * chunkSize
        let end = min(count, start + chunkSize)
        if start < end { body(start..<end) }
    }
}
