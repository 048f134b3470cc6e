import Foundation
import MCKDTraining
import XCTest

/// The system's reason for a failed file operation: a POSIX error's text, directly or as
/// the underlying error of a Foundation one, and Foundation's own text otherwise.
final class FileErrorReasonTests: XCTestCase {
    func testPOSIXErrorsGiveTheSystemsText() {
        XCTAssertEqual(FileErrorReason.plain(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))), "No space left on device")
        let wrapped = NSError(domain: NSCocoaErrorDomain, code: NSFileWriteOutOfSpaceError,
                              userInfo: [NSUnderlyingErrorKey: POSIXError(.ENOSPC)])
        XCTAssertEqual(FileErrorReason.plain(wrapped), "No space left on device")
    }

    /// An underlying error from another domain is not a POSIX code: its number (here 4,
    /// which strerror would read as EINTR) must not be looked up as one.
    func testANonPOSIXUnderlyingErrorKeepsFoundationsText() {
        let inner = NSError(domain: NSCocoaErrorDomain, code: NSFileNoSuchFileError)
        let outer = NSError(domain: NSCocoaErrorDomain, code: NSFileReadUnknownError, userInfo: [NSUnderlyingErrorKey: inner])
        XCTAssertEqual(FileErrorReason.plain(outer), outer.localizedDescription)
        XCTAssertNotEqual(FileErrorReason.plain(outer), String(cString: strerror(Int32(NSFileNoSuchFileError))))
    }
}
