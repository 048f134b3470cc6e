import CCLBlast
import COpenCL
import Foundation

/// CLBlast kernel parameters tuned for one device by `mckd tune`, kept in the cache
/// folder and handed to CLBlast (`CLBlastOverrideParameters`) when a backend opens
/// the device. CLBlast's built-in database has no entry for most CPU OpenCL devices
/// (PoCL included) and falls back to generic defaults; tuned values replace those.
public struct CLBlastTuning: Codable, Equatable, Sendable {
    /// The device the parameters were measured on; a file for another device or
    /// driver is never applied.
    public var deviceName: String
    public var driverVersion: String
    /// CLBlast database kernel name ("Xgemm", "XgemmDirect", "Copy", ...) -> parameter -> value.
    public var kernels: [String: [String: Int]]
    /// Per kernel, the tuner's best time in milliseconds at its problem size (for the record).
    public var bestMilliseconds: [String: Double]
    /// The PoCL variant whose shipped parameters these are (CLBlastShippedTuning); nil
    /// for parameters `mckd tune` measured on this machine.
    public var shippedVariant: String?

    public init(deviceName: String, driverVersion: String, kernels: [String: [String: Int]], bestMilliseconds: [String: Double]) {
        self.deviceName = deviceName
        self.driverVersion = driverVersion
        self.kernels = kernels
        self.bestMilliseconds = bestMilliseconds
    }

    /// Setting MCKD_CLBLAST_TUNING=off runs CLBlast with its built-in parameters
    /// (`mckd tune` uses it to measure before and after).
    public static var disabledByEnvironment: Bool {
        ProcessInfo.processInfo.environment["MCKD_CLBLAST_TUNING"] == "off"
    }

    /// `$MCKD_CACHE/clblast/<device>.json`, else `~/.cache/mckd/clblast/<device>.json`.
    public static func fileURL(for device: OpenCLDevice,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let root = environment["MCKD_CACHE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mckd")
        let safeName = String((device.name + "-" + device.driverVersion).map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return root.appendingPathComponent("clblast").appendingPathComponent(safeName + ".json")
    }

    /// Where the parameters in use come from, for `mckd self-check`.
    public func source(for device: OpenCLDevice) -> String {
        shippedVariant.map { "tuned, shipped for PoCL \($0) (`mckd tune` measures this machine)" }
            ?? "tuned by `mckd tune` (\(Self.fileURL(for: device).path))"
    }

    /// The tuning for `device`: the file `mckd tune` stored, else the parameters shipped
    /// for its PoCL variant, else nil (CLBlast's built-in ones). A file that cannot be
    /// read, or that belongs to another device or driver, is an error naming it.
    public static func stored(for device: OpenCLDevice,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CLBlastTuning? {
        let url = fileURL(for: device, environment: environment)
        guard FileManager.default.fileExists(atPath: url.path) else { return CLBlastShippedTuning.tuning(for: device) }
        let tuning: CLBlastTuning
        do {
            tuning = try JSONDecoder().decode(CLBlastTuning.self, from: Data(contentsOf: url))
        } catch {
            throw EngineError.invalidArgument("CLBlast tuning file \(url.path) is unreadable (\(error)); delete it or run `mckd tune` again")
        }
        guard tuning.deviceName == device.name, tuning.driverVersion == device.driverVersion else {
            throw EngineError.invalidArgument("CLBlast tuning file \(url.path) was made for \(tuning.deviceName) (driver \(tuning.driverVersion)); run `mckd tune` again")
        }
        return tuning
    }

    /// Writes the file atomically (temporary file + rename).
    public func write(for device: OpenCLDevice, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let url = Self.fileURL(for: device, environment: environment)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
        return url
    }

    /// Hands every kernel's parameters to CLBlast for single precision on `device`.
    /// CLBlast caches compiled programs per routine, so this must run before the
    /// device's first matrix product in the process.
    public func apply(to device: OpenCLDevice) throws {
        for (kernel, parameters) in kernels.sorted(by: { $0.key < $1.key }) {
            let names = parameters.keys.sorted()
            let values = names.map { parameters[$0]! }
            let status = withCStrings(names) { pointers in
                CLBlastOverrideParameters(device.id, kernel, CLBlastPrecisionSingle, names.count, pointers, values)
            }
            guard status == CLBlastSuccess else {
                let code = status.rawValue
                let meaning = OpenCLErrorNames.names[code].map { " (\($0))" } ?? ""
                throw EngineError.clblast(call: "CLBlastOverrideParameters", status: code,
                                          context: "kernel \(kernel) with \(names.joined(separator: ","))\(meaning) on \(device.name)")
            }
        }
    }
}

/// Calls `body` with C strings for `strings`, valid for the duration of the call.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
