import Foundation

/// A run's identity: 128 random bits, written as 32 hex digits, drawn when a fresh run
/// starts and written into configuration.json, every checkpoint and every metrics.jsonl
/// record. A folder whose files carry two IDs (copied together by hand, or written by two
/// runs) is refused instead of being resumed or evaluated as one run. Folders written
/// before run IDs carry none anywhere and are read as before.
public enum RunID {
    /// The key in configuration.json, in a checkpoint's metadata and in metrics.jsonl records.
    public static let key = "run"

    /// A new ID from the system's random source, not from the training seed: two runs with
    /// one seed are still two runs.
    static func fresh() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// RUN_DIR/configuration.json's ID: nil when the file has none (an earlier mckd wrote
    /// it) or is missing.
    static func ofConfiguration(in directory: URL) -> String? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("configuration.json")) else { return nil }
        return (try? JSONDecoder().decode(Tag.self, from: data))?.run
    }

    /// The ID a checkpoint was written by (nil: none).
    static func of(_ checkpoint: Checkpoint) -> String? { checkpoint.metadata[key] }

    /// configuration.json's ID when `checkpoint` (read from `file` in `directory`) carries
    /// the same one; otherwise one line naming both, and what to do.
    @discardableResult
    public static func requireSameRun(_ checkpoint: Checkpoint, file: URL, directory: URL) throws -> String? {
        let configuration = ofConfiguration(in: directory), written = of(checkpoint)
        guard written != configuration else { return configuration }
        let hasConfiguration = FileManager.default.fileExists(atPath: directory.appendingPathComponent("configuration.json").path)
        throw TrainingError.unusableRunFolder("\(file.path): " + (written.map { "written by run \($0)" } ?? "written without a run ID (by an earlier mckd)")
            + ", but " + (configuration.map { "configuration.json is run \($0)" } ?? (hasConfiguration ? "configuration.json has no run ID" : "configuration.json is missing"))
            + " (the folder mixes two runs; start afresh with --force)")
    }

    /// RUN_DIR's checkpoint, when there is one and it can be read, against configuration.json
    /// (for `mckd report`, which reads a folder leniently otherwise).
    public static func requireSameRun(in directory: URL) throws {
        let file = directory.appendingPathComponent("checkpoint")
        guard FileManager.default.fileExists(atPath: file.path), let checkpoint = try? Checkpoint.read(from: file) else { return }
        try requireSameRun(checkpoint, file: file, directory: directory)
    }

    /// A metrics.jsonl record written by another run than `expected`: one line naming both.
    static func mismatch(metrics url: URL, line: Int, written: String?, expected: String?) -> TrainingError {
        .unusableRunFolder("\(url.path): line \(line) " + (written.map { "was written by run \($0)" } ?? "has no run ID")
            + ", but " + (expected.map { "configuration.json is run \($0)" } ?? "configuration.json has no run ID")
            + " (the folder mixes two runs; start afresh with --force)")
    }

    private struct Tag: Decodable {
        let run: String?
    }
}
