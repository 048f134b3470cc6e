import Foundation

/// A problem with a BraTS dataset, naming the case (or file) concerned.
public struct BraTSDataError: Error, CustomStringConvertible, LocalizedError {
    /// The case involved, if the problem is about one case.
    public let caseID: String?
    /// What is wrong.
    public let message: String

    /// Creates an error about `caseID` (nil for dataset-wide problems).
    public init(caseID: String?, _ message: String) {
        self.caseID = caseID
        self.message = message
    }

    public var description: String { caseID.map { "case \($0): \(message)" } ?? message }
    public var errorDescription: String? { description }
}
