import COpenCL

/// Recycles device buffers by size so a training step, after its first
/// iteration, allocates nothing: a tensor's buffer returns here when the tensor goes.
final class DeviceBufferPool {
    private let context: cl_context
    private let device: OpenCLDevice
    private let counters: BackendCounters
    private var freeBuffers: [Int: [cl_mem]] = [:]
    /// Dry run (see OpenCLBackend.isDryRun): 1-byte buffers, sizes only accounted.
    private let dryRun: Bool
    /// Bytes allocated from the device, in use or waiting in the free lists.
    private(set) var reservedBytes = 0
    private(set) var peakReservedBytes = 0

    init(context: cl_context, device: OpenCLDevice, counters: BackendCounters, dryRun: Bool) {
        self.dryRun = dryRun
        self.context = context
        self.device = device
        self.counters = counters
    }

    /// Sizes are rounded up to 256 bytes so nearly equal tensors share buffers.
    static func bucket(for bytes: Int) -> Int { max(256, (bytes + 255) / 256 * 256) }

    func acquire(bytes requested: Int) throws -> (memory: cl_mem, bytes: Int) {
        let bytes = Self.bucket(for: requested)
        if let memory = freeBuffers[bytes]?.popLast() {
            counters.noteAcquired(bytes: bytes)
            return (memory, bytes)
        }
        // A dry run plans for the device it names but holds 1-byte buffers: no limit applies.
        if !dryRun {
            guard bytes <= device.maxAllocationBytes else { throw outOfMemory(bytes, limit: device.maxAllocationBytes) }
            if reservedBytes + bytes > device.globalMemoryBytes { releaseFreeBuffers() }
            guard reservedBytes + bytes <= device.globalMemoryBytes else { throw outOfMemory(bytes, limit: device.globalMemoryBytes) }
        }
        var memory = try allocate(dryRun ? 1 : bytes)
        if memory == nil {
            // The driver may hold memory we could give back: free our spares and try once more.
            releaseFreeBuffers()
            memory = try allocate(dryRun ? 1 : bytes)
        }
        guard let memory else { throw outOfMemory(bytes, limit: device.globalMemoryBytes) }
        reservedBytes += bytes
        peakReservedBytes = max(peakReservedBytes, reservedBytes)
        counters.allocations += 1
        counters.noteAcquired(bytes: bytes)
        return (memory, bytes)
    }

    func release(_ memory: cl_mem, bytes: Int) {
        freeBuffers[bytes, default: []].append(memory)
        counters.noteReleased(bytes: bytes)
    }

    /// Returns every spare buffer to the device.
    func releaseFreeBuffers() {
        for (bytes, buffers) in freeBuffers {
            for memory in buffers { clReleaseMemObject(memory) }
            reservedBytes -= bytes * buffers.count
        }
        freeBuffers.removeAll()
    }

    /// nil when the device reports that it is out of memory; other failures throw.
    private func allocate(_ bytes: Int) throws -> cl_mem? {
        var status: cl_int = CL_SUCCESS
        let memory = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        if status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY {
            return nil
        }
        try checkCL(status, "clCreateBuffer", "\(formatBytes(bytes)) on \(device.name)")
        return memory
    }

    private func outOfMemory(_ bytes: Int, limit: Int) -> EngineError {
        .outOfDeviceMemory(requestedBytes: bytes, inUseBytes: counters.bytesInUse, limitBytes: limit, device: device.name)
    }

    deinit { releaseFreeBuffers() }
}

/// A device buffer holding one tensor; it goes back to the pool with the tensor.
final class DeviceStorage: TensorStorage {
    let memory: cl_mem
    let byteCount: Int
    private let pool: DeviceBufferPool

    init(pool: DeviceBufferPool, bytes: Int) throws {
        (memory, byteCount) = try pool.acquire(bytes: bytes)
        self.pool = pool
    }

    deinit { pool.release(memory, bytes: byteCount) }
}
