import Foundation

/// Appends one JSON object per line to RUN_DIR/metrics.jsonl, flushed after each
/// record so a crash loses at most the line being written.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    /// Opens (creating) the log. When resuming from `resumeStep`, records of later
    /// steps, written by the interrupted run after its last checkpoint, are dropped so
    /// the log reads as one uninterrupted run.
    public init(url: URL, resumeStep: Int? = nil) throws {
        self.url = url
        let manager = FileManager.default
        try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let resumeStep, let existing = try? String(contentsOf: url, encoding: .utf8) {
            let kept = existing.split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = object["step"] as? Int else { return false }
                return step <= resumeStep
            }
            try (kept.map { $0 + "\n" }.joined()).write(to: url, atomically: true, encoding: .utf8)
        } else if resumeStep == nil || !manager.fileExists(atPath: url.path) {
            _ = manager.createFile(atPath: url.path, contents: nil)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    /// Writes one record; keys are sorted so lines diff cleanly.
    public func append(_ record: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        data.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: data)
    }

    deinit { try? handle.close() }
}
