import COpenCL

/// Throws a descriptive error unless an OpenCL call returned CL_SUCCESS.
@inline(__always)
func checkCL(_ status: cl_int, _ call: @autoclosure () -> String, _ context: @autoclosure () -> String = "") throws {
    if status != CL_SUCCESS {
        throw EngineError.openCL(call: call(), code: status, context: context())
    }
}

/// Reads a string-valued clGetDeviceInfo/clGetPlatformInfo property.
func openCLString(_ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int, call: String) throws -> String {
    var size = 0
    try checkCL(query(0, nil, &size), call)
    var bytes = [CChar](repeating: 0, count: size + 1)
    try checkCL(query(size, &bytes, nil), call)
    return String(cString: bytes).trimmingCharacters(in: .whitespaces)
}

/// Reads a fixed-size clGetDeviceInfo property.
func openCLValue<T>(_ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int, call: String, as type: T.Type, default value: T) throws -> T {
    var result = value
    try withUnsafeMutableBytes(of: &result) { bytes in
        try checkCL(query(MemoryLayout<T>.size, bytes.baseAddress, nil), call)
    }
    return result
}
