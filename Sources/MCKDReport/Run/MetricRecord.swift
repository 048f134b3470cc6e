import Foundation

/// One line of RUN_DIR/metrics.jsonl: the step, its scalars (losses, learning rate,
/// seconds, epoch), the importance weights and the subset that was available.
public struct MetricRecord {
    public var step: Int
    public var scalars: [String: Double]
    public var weights: [Double]
    public var available: String?

    /// Parses one line; nil for a line that is not a complete record (the last line of
    /// a run killed mid-write, say).
    public init?(line: Substring) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let step = (object["step"] as? NSNumber)?.intValue else { return nil }
        self.step = step
        var scalars: [String: Double] = [:]
        for (key, value) in object where key != "step" {
            if let number = value as? NSNumber { scalars[key] = number.doubleValue }
        }
        self.scalars = scalars
        weights = (object["weights"] as? [NSNumber])?.map(\.doubleValue) ?? []
        available = object["available"] as? String
    }
}

/// The metrics log read back, with how many lines could not be read.
public struct MetricsHistory {
    public var records: [MetricRecord]
    public var unreadableLines: Int

    public init(records: [MetricRecord], unreadableLines: Int) {
        self.records = records
        self.unreadableLines = unreadableLines
    }

    /// Reads the log; lines that are not records are counted, not fatal.
    public static func read(_ url: URL) throws -> MetricsHistory {
        let text = try String(contentsOf: url, encoding: .utf8)
        var records: [MetricRecord] = [], unreadable = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.allSatisfy(\.isWhitespace) {
            if let record = MetricRecord(line: line) { records.append(record) } else { unreadable += 1 }
        }
        return MetricsHistory(records: records, unreadableLines: unreadable)
    }

    /// (step, value) of a scalar over the steps that logged it.
    public func series(_ key: String) -> [(x: Double, y: Double)] {
        records.compactMap { record in record.scalars[key].map { (Double(record.step), $0) } }
    }

    /// (step, sum of the keys) over the steps that logged all of them.
    public func sum(_ keys: [String]) -> [(x: Double, y: Double)] {
        records.compactMap { record in
            let values = keys.compactMap { record.scalars[$0] }
            return values.count == keys.count ? (Double(record.step), values.reduce(0, +)) : nil
        }
    }
}
