import Foundation

/// Why a file operation failed, as the system says it ("No space left on device"), not as
/// Foundation's error dump (`Error Domain=NSCocoaErrorDomain Code=640 ...`).
public enum FileErrorReason {
    public static func plain(_ error: Error) -> String {
        let failure = error as NSError
        // The underlying error may be a Swift POSIXError value, which only bridges through
        // `Error`; one of another domain has no POSIX code.
        let underlying = (failure.userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
        let posix = [failure, underlying].compactMap { $0 }.first { $0.domain == NSPOSIXErrorDomain }
        if let posix { return String(cString: strerror(Int32(posix.code))) }
        return failure.domain == NSCocoaErrorDomain ? failure.localizedDescription : "\(error)"
    }
}
