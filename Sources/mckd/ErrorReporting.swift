import ArgumentParser
import Foundation
import MCKDEngine
import MCKDTraining

/// Runs a command body, turning any error into one clear line on stderr and
/// exit status 1 instead of a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write("mckd: error: \(readableDescription(error))\n".data(using: .utf8)!)
        throw ExitCode.failure
    }
}

/// Foundation's file errors as "PATH: No such file or directory" instead of NSError's
/// dump; every other error as it describes itself.
func readableDescription(_ error: Error) -> String {
    let file = error as NSError
    guard file.domain == NSCocoaErrorDomain || file.domain == NSPOSIXErrorDomain else { return "\(error)" }
    let path = file.userInfo[NSFilePathErrorKey] as? String ?? (file.userInfo[NSURLErrorKey] as? URL)?.path
    let reason = FileErrorReason.plain(file)
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Under mpirun an error on one rank ends every rank (MPI_Abort) after saying which rank
/// failed and why, instead of leaving the others waiting in a collective.
func abortingAllRanks(_ communicator: any Communicator, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        guard communicator.size > 1 else { throw error }
        FileHandle.standardError.write("mckd: error (rank \(communicator.rank) of \(communicator.size)): \(error)\n".data(using: .utf8)!)
        communicator.abort(code: 1)
    }
}
