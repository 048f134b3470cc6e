/// Opens the backend a `--device` value names: `cpu` for the reference, `gpuN`
/// for the N-th OpenCL device (GPUs, then accelerators, then CPU devices).
public func makeBackend(device: String) throws -> any Backend {
    let spec = device.lowercased()
    if spec == "cpu" { return CPUBackend<Float>() }
    guard spec.hasPrefix("gpu"), let index = Int(spec.dropFirst(3)), index >= 0 else {
        throw EngineError.unknownDevice("unknown device '\(device)': use cpu or gpuN (\(availableDevicesLine()))")
    }
    let devices = try OpenCLDevice.all()
    guard index < devices.count else {
        throw EngineError.unknownDevice("no OpenCL device \(spec): \(availableDevicesLine())")
    }
    return try OpenCLBackend(device: devices[index])
}

/// "available: cpu, gpu0 (pthread-haswell...)" for error messages; with the cause when
/// PoCL's cache folder hides its devices.
func availableDevicesLine() -> String {
    let openCL = (try? OpenCLDevice.all())?.map { "\($0.handle) (\($0.name))" } ?? []
    return "available: " + (["cpu"] + openCL).joined(separator: ", ") + (PoCLCacheCheck.problem().map { "; \($0)" } ?? "")
}
