import Foundation

/// PoCL, the CPU OpenCL driver, hides its devices when it cannot make its kernel cache
/// (POCL_CACHE_DIR, else $XDG_CACHE_HOME/pocl, else $HOME/.cache/pocl): an unwritable HOME
/// then looks like "no OpenCL device". This names the real cause for the error message.
enum PoCLCacheCheck {
    /// Why the cache folder cannot be used, with the fix; nil when it can (or when the
    /// environment names none).
    static func problem(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let folder: String
        if let explicit = environment["POCL_CACHE_DIR"], !explicit.isEmpty {
            folder = explicit
        } else if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            folder = cache + "/pocl"
        } else if let home = environment["HOME"], !home.isEmpty {
            folder = home + "/.cache/pocl"
        } else {
            return nil
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? Error).map { String(cString: strerror(Int32(($0 as NSError).code))) }
            return "PoCL cannot create its kernel cache \(folder)" + (reason.map { " (\($0))" } ?? "")
                + ", which hides its devices: set POCL_CACHE_DIR to a writable folder"
        }
        guard access(folder, W_OK) == 0 else {
            return "PoCL cannot write its kernel cache \(folder), which hides its devices: set POCL_CACHE_DIR to a writable folder"
        }
        return nil
    }
}
