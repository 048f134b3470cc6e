import Foundation

/// Errors raised by the engine. Each message says what was asked and what went wrong.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case invalidArgument(String)
    case foreignTensor(String)
    case unknownDevice(String)
    case noOpenCLPlatform(String)
    case openCL(call: String, code: Int32, context: String)
    case kernelBuild(program: String, defines: String, log: String)
    case outOfDeviceMemory(requestedBytes: Int, inUseBytes: Int, limitBytes: Int, device: String)
    /// A lazily allocating device (NVIDIA, AMD) found no memory when work first touched
    /// its buffers, even after the buffer pool gave its spares back.
    case deviceMemoryExhausted(work: String, inUseBytes: Int, device: String)
    case clblast(call: String, status: Int32, context: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let message): return "shape mismatch: \(message)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        case .foreignTensor(let message): return "tensor from another backend: \(message)"
        case .unknownDevice(let message): return message
        case .noOpenCLPlatform(let message): return message
        case let .openCL(call, code, context):
            return "\(call) failed with \(OpenCLErrorNames.name(of: code)) (\(code))\(context.isEmpty ? "" : ": \(context)")"
        case let .kernelBuild(program, defines, log):
            return "building OpenCL program '\(program)'\(defines.isEmpty ? "" : " with \(defines)") failed:\n\(log)"
        case let .outOfDeviceMemory(requested, inUse, limit, device):
            return "out of device memory on \(device): requested \(formatBytes(requested)) with \(formatBytes(inUse)) in use of at most \(formatBytes(limit))"
        case let .deviceMemoryExhausted(work, inUse, device):
            return "out of device memory on \(device) running \(work), with \(formatBytes(inUse)) in mckd's tensors "
                + "(the driver allocates buffers when work first uses them); use a smaller crop or batch"
        case let .clblast(call, status, context):
            return "\(call) failed with CLBlast status \(status)\(context.isEmpty ? "" : ": \(context)")"
        }
    }
}

/// "1.5 GiB", "12.0 MiB", "512 B".
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
