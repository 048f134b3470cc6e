import Foundation

/// Why a NIfTI file could not be read or written. Every case names the file,
/// so a message on its own tells the user which file to look at.
public struct NIfTIError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The kind of problem, for callers (and tests) that branch on it.
    public enum Kind: String, Equatable, Sendable {
        case unreadableFile
        case truncatedHeader
        case truncatedData
        case badMagic
        case badHeaderSize
        case impossibleDimensions
        case unsupportedDatatype
        case gzipCorrupted
        case sizeMismatch
        case valueOutOfRange
        case writeFailed
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file involved (path as given), or a label for in-memory data.
    public let file: String
    /// What is wrong, in words.
    public let detail: String

    /// Creates an error of `kind` about `file`.
    public init(_ kind: Kind, file: String, _ detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
    public var errorDescription: String? { description }
}
