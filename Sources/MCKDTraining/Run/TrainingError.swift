/// Why training stopped early, or a run folder cannot be used.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFinite(step: Int, part: String, value: Float, checkpoint: String)
    /// The run folder cannot be used as asked (no checkpoint to resume, another
    /// configuration, not a run folder, another task's run).
    case unusableRunFolder(String)

    public var description: String {
        switch self {
        case let .nonFinite(step, part, value, checkpoint):
            return "the \(part) loss became \(value) at step \(step); training stopped. The last good checkpoint is \(checkpoint)"
        case let .unusableRunFolder(message): return message
        }
    }
}
