import COpenCL

/// Recycles device buffers by size so a training step, after its first two
/// iterations, allocates nothing: a tensor's buffer returns here when the tensor goes.
final class DeviceBufferPool {
    private let context: cl_context
    private let device: OpenCLDevice
    private let counters: BackendCounters
    private var freeBuffers: [Int: [cl_mem]] = [:]
    /// Dry run (see OpenCLBackend.isDryRun): 1-byte buffers, sizes only accounted.
    private let dryRun: Bool
    /// The most the pool may hold: the device's memory, or a smaller limit the caller set.
    let capacityBytes: Int
    /// Bytes allocated from the device, in use or waiting in the free lists.
    private(set) var reservedBytes = 0
    private(set) var peakReservedBytes = 0

    init(context: cl_context, device: OpenCLDevice, counters: BackendCounters, dryRun: Bool, limitBytes: Int?) {
        self.dryRun = dryRun
        // A dry run plans for the device it names but holds 1-byte buffers: only a set limit applies.
        capacityBytes = min(limitBytes ?? .max, dryRun ? .max : device.globalMemoryBytes)
        self.context = context
        self.device = device
        self.counters = counters
    }

    /// Sizes are rounded up to 256 bytes so nearly equal tensors share buffers.
    static func bucket(for bytes: Int) -> Int { max(256, (bytes + 255) / 256 * 256) }

    func acquire(bytes requested: Int) throws -> (memory: cl_mem, bytes: Int) {
        let bytes = Self.bucket(for: requested)
        if let spare = takeSpare(fitting: bytes) {
            counters.noteAcquired(bytes: spare.bytes)
            return spare
        }
        if !dryRun, bytes > device.maxAllocationBytes { throw outOfMemory(bytes, limit: device.maxAllocationBytes) }
        if reservedBytes + bytes > capacityBytes { releaseSpares(toFit: bytes) }
        guard reservedBytes + bytes <= capacityBytes else { throw outOfMemory(bytes, limit: capacityBytes) }
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

    /// A free buffer of exactly `bytes`, else the smallest one up to twice as large: a
    /// half-batch tensor (the meta-validation batch) then reuses a full-batch tensor's
    /// buffer instead of growing the pool. Sizes are few (one per tensor shape), so a scan is cheap.
    private func takeSpare(fitting bytes: Int) -> (memory: cl_mem, bytes: Int)? {
        let size = freeBuffers[bytes]?.isEmpty == false ? bytes
            : freeBuffers.filter { $0.key > bytes && $0.key <= 2 * bytes && !$0.value.isEmpty }.keys.min()
        guard let size, let memory = freeBuffers[size]?.popLast() else { return nil }
        return (memory, size)
    }

    /// Gives spare buffers back to the device, largest first, until `bytes` more fit
    /// under the capacity (or none is left): a pool at its limit trades reuse for room.
    private func releaseSpares(toFit bytes: Int) {
        for size in freeBuffers.keys.sorted(by: >) {
            while reservedBytes + bytes > capacityBytes, let memory = freeBuffers[size]?.popLast() {
                clReleaseMemObject(memory)
                reservedBytes -= size
            }
        }
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
