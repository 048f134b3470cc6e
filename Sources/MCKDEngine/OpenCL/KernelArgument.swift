import COpenCL

/// One argument of a kernel launch.
enum KernelArgument {
    case tensor(Tensor)
    case int(Int)
    case uint(UInt32)
    case float(Float)
    /// `__local` scratch memory of the given size in bytes.
    case local(bytes: Int)

    func set(on kernel: cl_kernel, index: Int, backend: OpenCLBackend) throws {
        let position = cl_uint(index)
        let status: cl_int
        switch self {
        case .tensor(let tensor):
            var memory: cl_mem? = try backend.storage(tensor).memory
            status = clSetKernelArg(kernel, position, MemoryLayout<cl_mem?>.size, &memory)
        case .int(let value):
            guard let narrow = Int32(exactly: value) else {
                throw EngineError.invalidArgument("kernel argument \(index) = \(value) does not fit in 32 bits")
            }
            var v = narrow
            status = clSetKernelArg(kernel, position, 4, &v)
        case .uint(let value):
            var v = value
            status = clSetKernelArg(kernel, position, 4, &v)
        case .float(let value):
            var v = value
            status = clSetKernelArg(kernel, position, 4, &v)
        case .local(let bytes):
            status = clSetKernelArg(kernel, position, bytes, nil)
        }
        try checkCL(status, "clSetKernelArg", "argument \(index)")
    }
}
