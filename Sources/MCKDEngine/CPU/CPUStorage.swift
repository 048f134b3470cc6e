/// Host memory holding one CPU-reference tensor.
final class CPUStorage<Scalar: ReferenceScalar>: TensorStorage {
    let buffer: UnsafeMutableBufferPointer<Scalar>
    private let counters: BackendCounters

    init(count: Int, counters: BackendCounters) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: 0)
        self.counters = counters
        counters.allocations += 1
        counters.noteAcquired(bytes: byteCount)
    }

    var byteCount: Int { buffer.count * MemoryLayout<Scalar>.stride }

    deinit {
        counters.noteReleased(bytes: byteCount)
        buffer.deallocate()
    }
}
