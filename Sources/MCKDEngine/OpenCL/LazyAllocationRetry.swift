import COpenCL

/// NVIDIA's and AMD's drivers create buffers lazily: clCreateBuffer succeeds and the
/// memory is found (or not) when a kernel or a copy first touches it, so running out
/// surfaces at enqueue as CL_MEM_OBJECT_ALLOCATION_FAILURE or CL_OUT_OF_RESOURCES. The
/// buffer pool's spare buffers then go back to the device and the enqueue is tried
/// once more, as clCreateBuffer failures already are.
public enum LazyAllocationRetry {
    public static func isOutOfMemory(_ status: cl_int) -> Bool {
        status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
    }

    /// The status of `enqueue`, tried a second time after `releaseSpares` when the
    /// first try ran out of memory.
    public static func run(_ enqueue: () -> cl_int, releasingSpares releaseSpares: () -> Void) -> cl_int {
        let first = enqueue()
        guard isOutOfMemory(first) else { return first }
        releaseSpares()
        return enqueue()
    }
}

extension OpenCLBackend {
    /// Runs an enqueue call with the retry above; a second out-of-memory is
    /// `deviceMemoryExhausted` naming `work`, any other failure the usual CL error.
    func enqueue(_ call: String, _ work: @autoclosure () -> String, _ body: () -> cl_int) throws {
        let status = LazyAllocationRetry.run(body) {
            clFinish(queue)   // work already queued may still hold buffers the pool would free
            pool.releaseFreeBuffers()
        }
        if LazyAllocationRetry.isOutOfMemory(status) {
            throw EngineError.deviceMemoryExhausted(work: "\(call) (\(work()))", inUseBytes: counters.bytesInUse, device: device.name)
        }
        try checkCL(status, call, work())
    }
}
