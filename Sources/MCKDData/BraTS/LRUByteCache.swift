/// Values kept in memory under a byte budget, keyed by name; when a new value does not
/// fit, the least recently used ones are dropped first. A value larger than the whole
/// budget is handed out without being kept (budget 0: nothing is kept).
///
/// The budget bounds what the cache holds between uses; the value being loaded or used
/// lives beside it, so a process peaks at about the budget plus one value.
public final class LRUByteCache<Value> {
    /// The most bytes the cache holds at any time.
    public let budget: Int
    private var entries: [String: (value: Value, bytes: Int)] = [:]
    /// Keys held, least recently used first.
    public private(set) var keysByRecency: [String] = []
    /// Bytes of the values held now.
    public private(set) var heldBytes = 0
    /// The most bytes held at any one time so far.
    public private(set) var peakHeldBytes = 0
    /// How many values `value(for:load:)` had to load (misses).
    public private(set) var loads = 0

    /// A budget below 0 is taken as 0.
    public init(budget: Int) {
        self.budget = max(0, budget)
    }

    /// The value of `key`: the one held (now the most recently used), or `load`'s, which is
    /// then kept if it fits the budget (dropping least recently used values to make room).
    public func value(for key: String, load: () throws -> (value: Value, bytes: Int)) rethrows -> Value {
        if let held = entries[key] {
            touch(key)
            return held.value
        }
        let loaded = try load()
        loads += 1
        insert(loaded.value, bytes: loaded.bytes, for: key)
        return loaded.value
    }

    /// Keeps `value` as the most recently used, if it fits the budget at all; the least
    /// recently used values are dropped until it fits.
    public func insert(_ value: Value, bytes: Int, for key: String) {
        remove(key)
        guard bytes <= budget else { return }
        while heldBytes + bytes > budget, let oldest = keysByRecency.first { remove(oldest) }
        entries[key] = (value, bytes)
        keysByRecency.append(key)
        heldBytes += bytes
        peakHeldBytes = max(peakHeldBytes, heldBytes)
    }

    private func touch(_ key: String) {
        if let index = keysByRecency.firstIndex(of: key) { keysByRecency.remove(at: index) }
        keysByRecency.append(key)
    }

    private func remove(_ key: String) {
        guard let held = entries.removeValue(forKey: key) else { return }
        heldBytes -= held.bytes
        keysByRecency.removeAll { $0 == key }
    }
}
