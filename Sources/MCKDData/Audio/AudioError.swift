import Foundation

/// Errors raised while reading, writing or processing audio. Each message names
/// the file (when there is one) and what is wrong with it.
public enum AudioError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read or written at all.
    case io(path: String, reason: String)
    /// The bytes are not a WAV file this reader understands.
    case malformedWAV(path: String, reason: String)
    /// The WAV file is well formed but uses an encoding this reader does not support.
    case unsupportedWAV(path: String, reason: String)
    /// A processing step received arguments it cannot work with.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .io(path, reason): return "\(path): \(reason)"
        case let .malformedWAV(path, reason): return "\(path): not a valid WAV file: \(reason)"
        case let .unsupportedWAV(path, reason): return "\(path): unsupported WAV encoding: \(reason)"
        case let .invalidArgument(reason): return "invalid audio argument: \(reason)"
        }
    }
}
