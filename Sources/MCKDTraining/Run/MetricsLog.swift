import Foundation

/// Appends one JSON object per line to RUN_DIR/metrics.jsonl, flushed after each
/// record so a crash loses at most the line being written.
public final class MetricsLog {
    public let url: URL
    /// Written into every record (`RunID`); nil for a folder from before run IDs.
    public let runID: String?
    private let handle: FileHandle

    /// Opens (creating) the log. When resuming from `resumeStep`, records of later
    /// steps, written by the interrupted run after its last checkpoint, are dropped so
    /// the log reads as one uninterrupted run; a kept record of another run than `runID`
    /// is an error naming the line.
    public init(url: URL, resumeStep: Int? = nil, runID: String? = nil) throws {
        self.url = url
        self.runID = runID
        let manager = FileManager.default
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let resumeStep, let existing = try? String(contentsOf: url, encoding: .utf8) {
            var kept: [Substring] = []
            for (index, line) in existing.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = object["step"] as? Int, step <= resumeStep else { continue }
                let written = object[RunID.key] as? String
                guard written == runID else { throw RunID.mismatch(metrics: url, line: index + 1, written: written, expected: runID) }
                kept.append(line)
            }
            try (kept.map { $0 + "\n" }.joined()).write(to: url, atomically: true, encoding: .utf8)
        } else if resumeStep == nil || !manager.fileExists(atPath: url.path) {
            _ = manager.createFile(atPath: url.path, contents: nil)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    /// Writes one record, with the run's ID; keys are sorted so lines diff cleanly.
    public func append(_ record: [String: Any]) throws {
        var record = record
        if let runID { record[RunID.key] = runID }
        var data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        data.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw TrainingError.unusableRunFolder("\(url.path): \(FileErrorReason.plain(error)) (the last checkpoint is kept; fix this, then continue with --resume)")
        }
    }

    deinit { try? handle.close() }
}
