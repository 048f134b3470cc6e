import COpenCL

/// The OpenCL backend: hand-written kernels from Kernels/ and CLBlast for matrix
/// products, on one device through one in-order queue. Tensors stay in device
/// buffers; upload and download are the only host<->device copies.
public final class OpenCLBackend: Backend {
    public let device: OpenCLDevice
    /// The device's class (kernel family), vector width and limits the kernels use.
    public let profile: DeviceProfile
    public let counters = BackendCounters()
    let context: cl_context
    let queue: cl_command_queue
    let pool: DeviceBufferPool
    let programs: ProgramCache
    /// Random fills with the explicit-vector kernels (8 elements per work-item, small
    /// work-groups: 12x faster on PoCL, which does not vectorise the scalar kernels'
    /// loops and branches) or the scalar ones (the GPU family). Both give the same bits.
    public var vectorizedRandomFills: Bool
    /// Which convolution kernels run: chosen by the width of the rows they write
    /// (`automatic`), or forced (the parity tests run both; the bench compares them).
    public var convolutionTiling = ConvolutionTiling.automatic
    /// The GPU family's convolution tiles: forced, or chosen per layer (OpenCLBackend+ConvolutionGPU).
    public let gpuConvolution = GPUConvolutionSettings()
    /// The CLBlast parameters `mckd tune` stored for this device, applied at start-up;
    /// nil: CLBlast's built-in ones.
    public let clblastTuning: CLBlastTuning?

    /// A dry run enqueues nothing and backs every tensor with a 1-byte buffer, while
    /// the pool accounts for the full sizes: running a training step on it gives the
    /// step's exact device-memory plan (scratch tensors of every op included) for
    /// shapes too large to run, such as the paper model at its 80x160x160 crop.
    /// Downloads read zeros.
    public let isDryRun: Bool

    /// Opens a context and an in-order queue on `device` (`dryRun`: see `isDryRun`).
    /// `memoryLimit`: the buffer pool holds at most this many bytes, as if the device had
    /// no more (it gives spare buffers back before it grows past it; a step that needs
    /// more live memory fails with outOfDeviceMemory). Nil: the device's global memory.
    /// `deviceClass`: the kernel family to run; nil: `MCKD_DEVICE_CLASS` if set, else
    /// the device's type (`DeviceProfile`).
    public init(device: OpenCLDevice, dryRun: Bool = false, memoryLimit: Int? = nil, deviceClass: DeviceClass? = nil) throws {
        self.device = device
        profile = try DeviceProfile(device: device, forced: deviceClass)
        isDryRun = dryRun
        // Read before the context exists, so a bad file cannot leak it.
        let tuning = CLBlastTuning.disabledByEnvironment ? nil : try CLBlastTuning.stored(for: device)
        var status: cl_int = CL_SUCCESS
        var deviceID: cl_device_id? = device.id
        guard let context = clCreateContext(nil, 1, &deviceID, nil, nil, &status), status == CL_SUCCESS else {
            throw EngineError.openCL(call: "clCreateContext", code: status, context: device.name)
        }
        self.context = context
        guard let queue = clCreateCommandQueue(context, device.id, 0, &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw EngineError.openCL(call: "clCreateCommandQueue", code: status, context: device.name)
        }
        self.queue = queue
        pool = DeviceBufferPool(context: context, device: device, counters: counters, dryRun: dryRun, limitBytes: memoryLimit)
        programs = ProgramCache(context: context, device: device)
        vectorizedRandomFills = profile.deviceClass == .cpu
        clblastTuning = tuning
        try tuning?.apply(to: device)
    }

    deinit {
        clFinish(queue)
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    public var name: String { "\(device.handle) \(device.name) (\(device.platformName)), \(profile.deviceClass) kernels" }

    /// The kernel family in use (`profile.deviceClass`).
    public var deviceClass: DeviceClass { profile.deviceClass }

    /// Device memory the buffer pool holds (live tensors plus spare buffers kept for
    /// reuse), now and at most since the backend opened.
    public var reservedDeviceBytes: Int { pool.reservedBytes }
    public var peakReservedDeviceBytes: Int { pool.peakReservedBytes }

    /// `MCKD_TRACE_LAUNCHES`: each launch timed on its own and printed.
    private let launchTrace = LaunchTrace()

    /// Programs compiled so far (each (source, defines) pair once).
    public var programBuilds: Int { programs.builds }

    // MARK: Tensors and transfers

    public func makeTensor(shape: Shape) throws -> Tensor {
        guard shape.count <= Int(Int32.max) else {
            throw EngineError.invalidArgument("tensor of shape \(shape) exceeds the kernels' 32-bit indexing")
        }
        return Tensor(shape: shape, backend: self, storage: try DeviceStorage(pool: pool, bytes: shape.count * 4))
    }

    public func upload(_ values: [Float], shape: Shape) throws -> Tensor {
        guard values.count == shape.count else {
            throw EngineError.shapeMismatch("\(values.count) values given for a tensor of shape \(shape) (\(shape.count) elements)")
        }
        let tensor = try makeTensor(shape: shape)
        let bytes = values.count * 4
        counters.bytesToDevice += bytes
        if isDryRun { return tensor }
        try values.withUnsafeBytes { raw in
            let memory = try storage(tensor).memory
            try enqueue("clEnqueueWriteBuffer", "\(formatBytes(bytes)) into \(tensor)") {
                clEnqueueWriteBuffer(queue, memory, cl_bool(CL_TRUE), 0, bytes, raw.baseAddress, 0, nil, nil)
            }
        }
        return tensor
    }

    public func download(_ tensor: Tensor) throws -> [Float] {
        var values = [Float](repeating: 0, count: tensor.count)
        try download(tensor, into: &values)
        return values
    }

    public func download(_ tensor: Tensor, into destination: inout [Float]) throws {
        guard destination.count == tensor.count else {
            throw EngineError.shapeMismatch("reading \(tensor) (\(tensor.count) elements) into an array of \(destination.count)")
        }
        let bytes = tensor.count * 4
        let memory = try storage(tensor).memory
        counters.bytesFromDevice += bytes
        if isDryRun {
            destination = [Float](repeating: 0, count: tensor.count)
            return
        }
        try destination.withUnsafeMutableBytes { raw in
            try checkCL(clEnqueueReadBuffer(queue, memory, cl_bool(CL_TRUE), 0, bytes, raw.baseAddress, 0, nil, nil),
                        "clEnqueueReadBuffer", "\(formatBytes(bytes)) from \(tensor)")
        }
    }

    public func synchronize() throws {
        try checkCL(clFinish(queue), "clFinish", device.name)
    }

    func storage(_ tensor: Tensor) throws -> DeviceStorage {
        guard tensor.backend === self, let storage = tensor.storage as? DeviceStorage else {
            throw EngineError.foreignTensor("\(tensor) was given to \(name)")
        }
        return storage
    }

    // MARK: Launching kernels

    /// Enqueues `kernel` from Kernels/`file`.cl. The global size is rounded up to a
    /// multiple of the local size; kernels guard against the extra work-items.
    func launch(_ kernelName: String, file: String, defines: [String] = [], global: [Int], local: [Int],
                _ arguments: [KernelArgument]) throws {
        if isDryRun {
            if !global.contains(0) { counters.kernelLaunches += 1 }
            return
        }
        let kernel = try programs.kernel(kernelName, file: file, defines: defines)
        try launch(kernel, name: kernelName, global: global, local: local, arguments)
    }

    func launch(_ kernel: cl_kernel, name: String, global: [Int], local: [Int], _ arguments: [KernelArgument]) throws {
        precondition(global.count == local.count && (1...3).contains(global.count))
        if global.contains(0) { return }
        for (index, argument) in arguments.enumerated() {
            try argument.set(on: kernel, index: index, backend: self)
        }
        var localSize = try programs.fittedLocalSize(local, for: kernel, name: name)
        var globalSize = zip(global, localSize).map { g, l in (g + l - 1) / l * l }
        try launchTrace.launch(name, global: global, on: queue) {
            try enqueue("clEnqueueNDRangeKernel", "kernel \(name), global \(global), local \(localSize)") {
                clEnqueueNDRangeKernel(queue, kernel, cl_uint(global.count), nil, &globalSize, &localSize, 0, nil, nil)
            }
        }
        counters.kernelLaunches += 1
    }
}

extension OpenCLBackend {
    /// Builds `kernel` from OpenCL C source text through the same cache and checks as
    /// the embedded kernels; a compile error throws with the compiler's log. For kernel
    /// experiments (Kernels/dev) and tests.
    public func buildKernel(_ kernel: String, source: String, label: String, defines: [String] = []) throws {
        _ = try programs.kernel(kernel, source: source, label: label, defines: defines)
    }
}
