import Foundation

/// Which kernel family a backend runs. What is fast on a CPU OpenCL device (one
/// work-item owning wide vectors, work-groups of one) is slow on a GPU (work-groups
/// sharing tiles in local memory, coalesced loads) and the other way round.
public enum DeviceClass: String, CaseIterable, Sendable, CustomStringConvertible {
    case cpu, gpu

    /// The environment variable that forces a family on every backend a process opens
    /// (CI runs the GPU family on PoCL against the CPU reference this way).
    public static let environmentVariable = "MCKD_DEVICE_CLASS"

    public var description: String { rawValue }

    /// The family a device runs by its type: GPUs and accelerators the GPU family,
    /// CPU devices (PoCL) the CPU family.
    public init(detectedFrom kind: OpenCLDevice.Kind) {
        self = kind == .gpu || kind == .accelerator ? .gpu : .cpu
    }

    /// The class `MCKD_DEVICE_CLASS` forces, nil when unset or empty; any other value
    /// than cpu or gpu is an error (a typo must not silently test the wrong family).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DeviceClass? {
        guard let value = environment[environmentVariable], !value.isEmpty else { return nil }
        guard let forced = DeviceClass(rawValue: value.lowercased()) else {
            throw EngineError.invalidArgument("\(environmentVariable)=\(value): use cpu or gpu (or leave it unset to follow the device type)")
        }
        return forced
    }
}

/// What the kernels are specialised for, read once from the device: its class (the
/// kernel family, possibly forced), native vector width, compute units, local memory
/// and work-group limit. `mckd devices` and the benchmark print it.
public struct DeviceProfile: Sendable, CustomStringConvertible {
    /// The kernel family in use.
    public let deviceClass: DeviceClass
    /// Why: "device type", "MCKD_DEVICE_CLASS" or "option".
    public let classSource: String
    /// Floats per explicit vector in the CPU family's kernels: the device's native
    /// width, 16 on AVX-512 (PoCL `pthread-skylake-avx512`), 8 on AVX2
    /// (`pthread-haswell`); never below 4, never above 16 (OpenCL's widest vector).
    public let vectorWidth: Int
    public let nativeFloatVectorWidth: Int
    public let computeUnits: Int
    public let localMemoryBytes: Int
    public let maxWorkGroupSize: Int

    /// The profile of `device` with its class from `forced`, else `MCKD_DEVICE_CLASS`,
    /// else the device type.
    public init(device: OpenCLDevice, forced: DeviceClass? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let forced {
            deviceClass = forced
            classSource = "option"
        } else if let fromEnvironment = try DeviceClass.fromEnvironment(environment) {
            deviceClass = fromEnvironment
            classSource = DeviceClass.environmentVariable
        } else {
            deviceClass = DeviceClass(detectedFrom: device.kind)
            classSource = "device type"
        }
        nativeFloatVectorWidth = device.nativeFloatVectorWidth
        if let value = environment[Self.vectorWidthVariable], !value.isEmpty {
            guard let forcedWidth = Int(value), [4, 8, 16].contains(forcedWidth) else {
                throw EngineError.invalidArgument("\(Self.vectorWidthVariable)=\(value): use 4, 8 or 16 (or leave it unset for the device's width)")
            }
            vectorWidth = forcedWidth
        } else {
            vectorWidth = Self.vectorWidth(native: device.nativeFloatVectorWidth)
        }
        computeUnits = device.computeUnits
        localMemoryBytes = device.localMemoryBytes
        maxWorkGroupSize = device.maxWorkGroupSize
    }

    /// Forces `vectorWidth` (4, 8 or 16) on every backend a process opens: the tests run
    /// an AVX2 machine's kernels and tiles (width 8) on an AVX-512 one this way.
    public static let vectorWidthVariable = "MCKD_VECTOR_WIDTH"

    /// 4, 8 or 16: the native width rounded down to a power of two within OpenCL's vectors.
    static func vectorWidth(native: Int) -> Int {
        var width = 4
        while width * 2 <= min(native, 16) { width *= 2 }
        return width
    }

    public var description: String {
        "\(deviceClass) kernels (\(classSource)), vector width \(vectorWidth) (native \(nativeFloatVectorWidth)), "
            + "\(computeUnits) compute units, \(formatBytes(localMemoryBytes)) local memory, work-groups up to \(maxWorkGroupSize)"
    }
}
