/// What the run logs about the importance-weight updates: the number of Adam
/// steps taken on theta_w so far and, for the bi-level step, the look-aheads whose ||v||
/// was zero or not finite (counted, never dropped silently).
extension ImportanceWeights {
    /// Entries of a metrics.jsonl record (none with `--meta off`).
    public func metricsEntries(mode: MetaMode) -> [String: Any] {
        guard mode != .off else { return [:] }
        var entries: [String: Any] = ["theta_updates": updates]
        if mode == .bilevel {
            entries["lookahead_zero_norm"] = degenerateLookAheads.zeroNorm
            entries["lookahead_nonfinite_norm"] = degenerateLookAheads.nonFiniteNorm
        }
        return entries
    }

    /// Fields of the progress line.
    public func progressFields(mode: MetaMode) -> [(String, String)] {
        guard mode != .off else { return [] }
        var fields = [("theta_w updates", String(updates))]
        if mode == .bilevel {
            fields.append(("|v| zero/non-finite", "\(degenerateLookAheads.zeroNorm)/\(degenerateLookAheads.nonFiniteNorm)"))
        }
        return fields
    }
}
