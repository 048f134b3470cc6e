import ArgumentParser
import Foundation
import MCKDEngine

/// Runs a command body, turning any error into one clear line on stderr and
/// exit status 1 instead of a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write("mckd: error: \(error)\n".data(using: .utf8)!)
        throw ExitCode.failure
    }
}
