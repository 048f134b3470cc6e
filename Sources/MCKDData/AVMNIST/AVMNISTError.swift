/// Errors raised while building or loading AV-MNIST. Messages name the file and
/// say what to do about it.
public enum AVMNISTError: Error, CustomStringConvertible, Equatable {
    /// The compact cache file does not exist yet.
    case cacheMissing(path: String)
    /// The cache file exists but cannot be decoded.
    case corruptCache(path: String, reason: String)
    /// A raw input (CSV, WAV folder) is missing or malformed.
    case badInput(path: String, reason: String)
    /// The cache lacks data the requested dataset needs.
    case insufficientData(String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .cacheMissing(path):
            return "AV-MNIST cache not found at \(path); run scripts/setup-avmnist (or set MCKD_CACHE / pass the cache path) first"
        case let .corruptCache(path, reason):
            return "\(path): corrupt AV-MNIST cache (\(reason)); delete it and run scripts/setup-avmnist again"
        case let .badInput(path, reason):
            return "\(path): \(reason)"
        case let .insufficientData(reason):
            return "AV-MNIST: \(reason)"
        case let .invalidConfiguration(reason):
            return "AV-MNIST configuration: \(reason)"
        }
    }
}
