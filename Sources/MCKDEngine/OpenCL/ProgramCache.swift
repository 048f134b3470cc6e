import COpenCL

/// Built programs and their kernels, keyed on (program, defines): each variant is
/// compiled once per backend (PoCL takes ~0.5 s per build). One cache serves one
/// device. Lookups run on every launch, so an embedded kernel file is keyed by its
/// name, not its text (hashing 20 kB of source per launch would cost more than some
/// launches do).
final class ProgramCache {
    private struct ProgramKey: Hashable {
        /// "file" for Kernels/file.cl; the full text for sources given directly.
        let program: String
        let defines: [String]
    }
    private struct KernelKey: Hashable {
        let program: ProgramKey
        let name: String
    }

    private let context: cl_context
    private let device: OpenCLDevice
    private var programs: [ProgramKey: cl_program] = [:]
    private var kernels: [KernelKey: cl_kernel] = [:]
    /// CL_KERNEL_WORK_GROUP_SIZE per kernel: what this compiled kernel can launch with
    /// (below the device's limit when it needs many registers).
    private var workGroupLimits: [cl_kernel: Int] = [:]
    private(set) var builds = 0

    init(context: cl_context, device: OpenCLDevice) {
        self.context = context
        self.device = device
    }

    /// The kernel `name` from Kernels/`file`.cl built with `-D` defines (e.g. ["TILE=16"]).
    func kernel(_ name: String, file: String, defines: [String] = []) throws -> cl_kernel {
        let key = KernelKey(program: ProgramKey(program: file, defines: defines), name: name)
        if let kernel = kernels[key] { return kernel }
        guard let source = EmbeddedKernels.sources[file] else {
            throw EngineError.invalidArgument("no kernel source Kernels/\(file).cl is embedded")
        }
        return try make(key, source: source, label: file)
    }

    /// The kernel `name` from the given source text (tests pass broken sources here).
    func kernel(_ name: String, source: String, label: String, defines: [String] = []) throws -> cl_kernel {
        let key = KernelKey(program: ProgramKey(program: source, defines: defines), name: name)
        if let kernel = kernels[key] { return kernel }
        return try make(key, source: source, label: label)
    }

    private func make(_ key: KernelKey, source: String, label: String) throws -> cl_kernel {
        let program = try programs[key.program] ?? build(source, label: label, defines: key.program.defines)
        programs[key.program] = program
        var status: cl_int = CL_SUCCESS
        let kernel = clCreateKernel(program, key.name, &status)
        try checkCL(status, "clCreateKernel", "kernel '\(key.name)' in \(label).cl")
        kernels[key] = kernel!
        return kernel!
    }

    private func build(_ source: String, label: String, defines: [String]) throws -> cl_program {
        var status: cl_int = CL_SUCCESS
        let program: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            return clCreateProgramWithSource(context, 1, &pointer, nil, &status)
        }
        try checkCL(status, "clCreateProgramWithSource", "\(label).cl")
        // No fast-math relaxation flag: it would drop NaN/Inf handling.
        let options = (["-cl-std=CL1.2"] + defines.map { "-D\($0)" }).joined(separator: " ")
        var deviceID: cl_device_id? = device.id
        let buildStatus = clBuildProgram(program, 1, &deviceID, options, nil, nil)
        builds += 1
        if buildStatus != CL_SUCCESS {
            let log = (try? buildLog(program!)) ?? "(no build log)"
            clReleaseProgram(program)
            if buildStatus == CL_BUILD_PROGRAM_FAILURE {
                throw EngineError.kernelBuild(program: label, defines: defines.joined(separator: " "), log: log)
            }
            try checkCL(buildStatus, "clBuildProgram", "\(label).cl with \(options)\n\(log)")
        }
        return program!
    }

    /// `local` unchanged when the kernel can run work-groups that large; else halved,
    /// largest dimension first, until it fits. Kernels that rely on their work-group
    /// size (local-memory tiles) declare it with reqd_work_group_size, so the compiler
    /// refuses them instead; the others compute the same results at any local size.
    func fittedLocalSize(_ local: [Int], for kernel: cl_kernel, name: String) throws -> [Int] {
        let limit: Int
        if let known = workGroupLimits[kernel] {
            limit = known
        } else {
            limit = try openCLValue({ clGetKernelWorkGroupInfo(kernel, device.id, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE), $0, $1, $2) },
                                    call: "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE) for \(name)", as: Int.self, default: 0)
            workGroupLimits[kernel] = limit
        }
        var fitted = local
        while fitted.reduce(1, *) > max(1, limit) {
            let largest = fitted.indices.max { fitted[$0] < fitted[$1] }!
            fitted[largest] = max(1, fitted[largest] / 2)
        }
        return fitted
    }

    private func buildLog(_ program: cl_program) throws -> String {
        try openCLString({ clGetProgramBuildInfo(program, self.device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), $0, $1, $2) },
                         call: "clGetProgramBuildInfo")
    }

    deinit {
        for kernel in kernels.values { clReleaseKernel(kernel) }
        for program in programs.values { clReleaseProgram(program) }
    }
}
