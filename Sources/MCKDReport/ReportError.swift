/// Why a report (or one of its images) could not be written.
public enum ReportError: Error, CustomStringConvertible {
    case invalidImage(String)
    case invalidChart(String)
    case unusableRun(String)

    public var description: String {
        switch self {
        case let .invalidImage(message): return "image: \(message)"
        case let .invalidChart(message): return "chart: \(message)"
        case let .unusableRun(message): return message
        }
    }
}
