import Foundation

/// Shows training progress: a redrawn bar on a terminal, plain log lines (every
/// `lineInterval` steps and at the end) when output goes to a file or a pipe.
public final class ProgressReporter {
    public let totalSteps: Int
    public let interactive: Bool
    public let lineInterval: Int
    private let start = Date()
    private let firstStep: Int
    private let write: (String) -> Void

    /// `firstStep` is where a resumed run starts, so rates count only this run's steps.
    public init(totalSteps: Int, firstStep: Int = 0, interactive: Bool = isatty(STDOUT_FILENO) != 0,
                lineInterval: Int = 10, write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.totalSteps = totalSteps
        self.firstStep = firstStep
        self.interactive = interactive
        self.lineInterval = max(1, lineInterval)
        self.write = write
    }

    /// Reports that `step` steps are done; `fields` are shown in order ("loss 0.532").
    public func update(step: Int, fields: [(String, String)]) {
        let done = step - firstStep
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(totalSteps - step) / rate : 0
        let details = fields.map { "\($0.0) \($0.1)" }.joined(separator: "  ")
        let timing = String(format: "%.2f steps/s  ETA %@", rate, Self.clock(remaining))
        if interactive {
            let width = 24
            let filled = totalSteps > 0 ? min(width, width * step / totalSteps) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r\u{1B}[2K[\(bar)] \(step)/\(totalSteps)  \(details)  \(timing)")
            if step >= totalSteps { write("\n") }
        } else if step % lineInterval == 0 || step >= totalSteps {
            write("step \(step)/\(totalSteps)  \(details)  \(timing)\n")
        }
    }

    /// A line that must not be overwritten by the bar (a warning, new importance weights).
    public func note(_ line: String) {
        write(interactive ? "\r\u{1B}[2K\(line)\n" : "\(line)\n")
    }

    /// "1:02:03" or "4:05".
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
