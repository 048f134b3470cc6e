/// Why a multi-process run cannot start or continue; each names what to do.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// Launched under mpirun but Open MPI cannot be loaded.
    case mpiUnavailable(String)
    /// An MPI call returned an error code.
    case callFailed(call: String, code: Int32)
    /// A batch that cannot be split evenly, a task that cannot run on several processes, ...
    case unsupported(String)
    /// The ranks' parameters differ after a checkpoint.
    case diverged(String)

    public var description: String {
        switch self {
        case let .mpiUnavailable(message): return "MPI is unavailable: \(message)"
        case let .callFailed(call, code): return "\(call) failed with MPI error \(code)"
        case let .unsupported(message): return message
        case let .diverged(message): return message
        }
    }
}
