import COpenCL
import Foundation

/// One OpenCL device as the engine names it: `gpuN`, counting GPUs first, then
/// accelerators, then CPU devices (so on a machine without a GPU, gpu0 is PoCL).
public struct OpenCLDevice {
    public enum Kind: Int, Comparable, CustomStringConvertible {
        case gpu = 0, accelerator, cpu, other
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["GPU", "accelerator", "CPU", "other"][rawValue] }
    }

    public let index: Int
    public let id: cl_device_id
    public let platformID: cl_platform_id
    public let platformName: String
    /// Positions in the OpenCL enumeration (clGetPlatformIDs, then clGetDeviceIDs),
    /// as CLBlast's tuners take them (-platform, -device).
    public let platformIndex: Int
    public let deviceIndexInPlatform: Int
    public let name: String
    public let vendor: String
    public let kind: Kind
    public let globalMemoryBytes: Int
    public let maxAllocationBytes: Int
    public let localMemoryBytes: Int
    public let computeUnits: Int
    public let maxWorkGroupSize: Int
    /// CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT: floats one instruction works on (16 on an
    /// AVX-512 PoCL device, 8 on AVX2, 1 on GPUs, whose width is their work-groups').
    public let nativeFloatVectorWidth: Int
    /// CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT.
    public let preferredFloatVectorWidth: Int
    public let openCLVersion: String
    public let openCLCVersion: String
    public let driverVersion: String

    /// The name users pass to `--device`.
    public var handle: String { "gpu\(index)" }

    public var summary: String {
        "\(handle): \(name) [\(kind), \(platformName)] \(computeUnits) compute units, \(formatBytes(globalMemoryBytes)) memory, \(openCLCVersion)"
    }

    /// Every OpenCL device on the machine in `gpuN` order. Throws when no platform exists.
    public static func all() throws -> [OpenCLDevice] {
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        if status == -1001 || platformCount == 0 {
            throw EngineError.noOpenCLPlatform(PoCLCacheCheck.problem().map { "no OpenCL platform found: \($0)" }
                ?? "no OpenCL platform found: install an ICD (on Debian: apt-get install pocl-opencl-icd for the CPU, or your GPU vendor's OpenCL driver), or use --device cpu")
        }
        try checkCL(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try checkCL(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

        var found: [(kind: Kind, order: Int, make: (Int) -> OpenCLDevice)] = []
        for (platformIndex, platform) in platforms.enumerated() {
            guard let platform else { continue }
            let platformName = try openCLString({ clGetPlatformInfo(platform, cl_platform_info(CL_PLATFORM_NAME), $0, $1, $2) },
                                                call: "clGetPlatformInfo(CL_PLATFORM_NAME)")
            var deviceCount: cl_uint = 0
            let deviceStatus = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if deviceStatus == CL_DEVICE_NOT_FOUND { continue }
            try checkCL(deviceStatus, "clGetDeviceIDs", platformName)
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try checkCL(clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil), "clGetDeviceIDs", platformName)
            for (deviceIndex, device) in devices.enumerated() {
                guard let device else { continue }
                let info = try DeviceProperties(device)
                let order = found.count
                found.append((info.kind, order, { index in
                    OpenCLDevice(index: index, id: device, platformID: platform, platformName: platformName,
                                 platformIndex: platformIndex, deviceIndexInPlatform: deviceIndex,
                                 name: info.name, vendor: info.vendor, kind: info.kind,
                                 globalMemoryBytes: info.globalMemory, maxAllocationBytes: info.maxAllocation,
                                 localMemoryBytes: info.localMemory, computeUnits: info.computeUnits,
                                 maxWorkGroupSize: info.maxWorkGroupSize,
                                 nativeFloatVectorWidth: info.nativeFloatWidth, preferredFloatVectorWidth: info.preferredFloatWidth,
                                 openCLVersion: info.version,
                                 openCLCVersion: info.cVersion, driverVersion: info.driverVersion)
                }))
            }
        }
        // Stable: devices of one kind keep the platforms' own order.
        let sorted = found.sorted { ($0.kind, $0.order) < ($1.kind, $1.order) }
        return sorted.enumerated().map { index, entry in entry.make(index) }
    }
}

/// The device properties the engine uses, read once.
private struct DeviceProperties {
    let name, vendor, version, cVersion, driverVersion: String
    let kind: OpenCLDevice.Kind
    let globalMemory, maxAllocation, localMemory, computeUnits, maxWorkGroupSize: Int
    let nativeFloatWidth, preferredFloatWidth: Int

    init(_ device: cl_device_id) throws {
        func string(_ property: Int32, _ label: String) throws -> String {
            try openCLString({ clGetDeviceInfo(device, cl_device_info(property), $0, $1, $2) }, call: "clGetDeviceInfo(\(label))")
        }
        func value<T>(_ property: Int32, _ label: String, _ zero: T) throws -> T {
            try openCLValue({ clGetDeviceInfo(device, cl_device_info(property), $0, $1, $2) },
                            call: "clGetDeviceInfo(\(label))", as: T.self, default: zero)
        }
        name = try string(CL_DEVICE_NAME, "CL_DEVICE_NAME")
        vendor = try string(CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR")
        version = try string(CL_DEVICE_VERSION, "CL_DEVICE_VERSION")
        cVersion = try string(CL_DEVICE_OPENCL_C_VERSION, "CL_DEVICE_OPENCL_C_VERSION")
        driverVersion = try string(CL_DRIVER_VERSION, "CL_DRIVER_VERSION")
        let type: cl_device_type = try value(CL_DEVICE_TYPE, "CL_DEVICE_TYPE", 0)
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { kind = .gpu }
        else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { kind = .accelerator }
        else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { kind = .cpu }
        else { kind = .other }
        globalMemory = Int(try value(CL_DEVICE_GLOBAL_MEM_SIZE, "CL_DEVICE_GLOBAL_MEM_SIZE", cl_ulong(0)))
        maxAllocation = Int(try value(CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE", cl_ulong(0)))
        localMemory = Int(try value(CL_DEVICE_LOCAL_MEM_SIZE, "CL_DEVICE_LOCAL_MEM_SIZE", cl_ulong(0)))
        computeUnits = Int(try value(CL_DEVICE_MAX_COMPUTE_UNITS, "CL_DEVICE_MAX_COMPUTE_UNITS", cl_uint(0)))
        maxWorkGroupSize = try value(CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE", Int(0))
        nativeFloatWidth = Int(try value(CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, "CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT", cl_uint(1)))
        preferredFloatWidth = Int(try value(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, "CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT", cl_uint(1)))
    }
}
