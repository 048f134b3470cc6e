import Foundation

/// Why a file operation failed, as the system says it ("No space left on device"), not as
/// Foundation's error dump (`Error Domain=NSCocoaErrorDomain Code=640 ...`).
enum FileErrorReason {
    static func plain(_ error: Error) -> String {
        let failure = error as NSError
        if failure.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(failure.code))) }
        if let underlying = failure.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return failure.domain == NSCocoaErrorDomain ? failure.localizedDescription : "\(error)"
    }
}
