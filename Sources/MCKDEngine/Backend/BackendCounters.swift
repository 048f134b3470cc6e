/// What a backend did, for tests (which assert counts, never times) and the benchmark.
public final class BackendCounters {
    /// Kernels enqueued on a device (a CLBlast call counts as one); the CPU reference launches none.
    public internal(set) var kernelLaunches = 0
    /// Bytes copied from the host into tensors.
    public internal(set) var bytesToDevice = 0
    /// Bytes copied from tensors back to the host.
    public internal(set) var bytesFromDevice = 0
    /// Bytes currently held by live tensors, and the most ever held at once.
    public internal(set) var bytesInUse = 0
    public internal(set) var peakBytesInUse = 0
    /// Times a tensor's memory had to be freshly allocated (not reused from the pool).
    public internal(set) var allocations = 0

    public init() {}

    /// Starts a new measurement window; memory in use is kept, its peak restarts from it.
    public func reset() {
        kernelLaunches = 0
        bytesToDevice = 0
        bytesFromDevice = 0
        allocations = 0
        peakBytesInUse = bytesInUse
    }

    func noteAcquired(bytes: Int) {
        bytesInUse += bytes
        peakBytesInUse = max(peakBytesInUse, bytesInUse)
    }

    func noteReleased(bytes: Int) {
        bytesInUse -= bytes
    }
}
