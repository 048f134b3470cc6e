/// Why training stopped early, or a run folder cannot be used.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFinite(step: Int, part: String, value: Float, checkpoint: String)
    /// The run folder cannot be used as asked (no checkpoint to resume, another
    /// configuration, not a run folder, another task's run).
    case unusableRunFolder(String)
    /// SIGINT or SIGTERM stopped the run after `step`, whose checkpoint was written.
    case interrupted(step: Int, signal: Int32, checkpoint: String)
    /// The run cannot fit the device (or host) memory; said before any work.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .nonFinite(step, part, value, checkpoint):
            return "the \(part) loss became \(value) at step \(step); training stopped. The last good checkpoint is \(checkpoint)"
        case let .unusableRunFolder(message), let .tooLarge(message): return message
        case let .interrupted(step, signal, checkpoint):
            return "\(StopSignals.name(signal)) stopped the run after step \(step); checkpoint \(checkpoint) written (continue with --resume)"

        }
    }
}
