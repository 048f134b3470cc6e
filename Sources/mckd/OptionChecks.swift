import ArgumentParser
import Foundation

/// Checks on option values that ArgumentParser's types do not make: every number finite
/// and in its range, every list parsed strictly (no entry dropped or guessed), each
/// failure one line naming the option, the value and what it takes.
enum OptionCheck {
    /// "8,16,32" -> [8, 16, 32]; an empty or non-integer entry is an error, not skipped.
    static func integers(_ text: String, option: String, count: Int? = nil, minimum: Int = 1) throws -> [Int] {
        let entries = text.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Int] = []
        for entry in entries {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let value = Int(trimmed) else {
                throw ValidationError("\(option) \(text): '\(trimmed)' is not a whole number (give comma-separated integers, e.g. 32,32,32)")
            }
            guard value >= minimum else { throw ValidationError("\(option) \(text): \(value) is below \(minimum)") }
            values.append(value)
        }
        if let count, values.count != count {
            throw ValidationError("\(option) \(text): needs \(count) values, got \(values.count)")
        }
        return values
    }

    /// A finite value in `range`.
    static func finite<Value: BinaryFloatingPoint>(_ value: Value, option: String, in range: ClosedRange<Value>, meaning: String) throws {
        guard value.isFinite, range.contains(value) else { throw ValidationError("\(option) \(value): \(meaning)") }
    }

    /// A finite value above zero.
    static func positive<Value: BinaryFloatingPoint>(_ value: Value, option: String, meaning: String) throws {
        guard value.isFinite, value > 0 else { throw ValidationError("\(option) \(value): \(meaning), a finite number above 0") }
    }

    /// --collective-timeout: seconds, up to a week (the watchdog counts whole seconds).
    static func collectiveTimeout(_ seconds: Double) throws {
        try finite(seconds, option: "--collective-timeout", in: 0.1...604_800, meaning: "seconds, from 0.1 to 604800 (a week)")
    }

    /// --case-cache-mib: 0 (keep no case) up to 1 TiB (so that the byte count cannot overflow).
    static func caseCacheMiB(_ mebibytes: Int?) throws {
        if let mebibytes, !(0...(1 << 20)).contains(mebibytes) {
            throw ValidationError("--case-cache-mib \(mebibytes): MiB of cases kept in memory, from 0 (none) to 1048576 (1 TiB)")
        }
    }

    /// An integer option given by the user at least `minimum` (nil: not given).
    static func atLeast(_ value: Int?, _ minimum: Int, option: String) throws {
        if let value, value < minimum { throw ValidationError("\(option) \(value): must be at least \(minimum)") }
    }
}
