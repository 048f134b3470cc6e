import MCKDData
import XCTest

/// The byte-budgeted LRU cache that holds BraTS cases between crops.
final class LRUByteCacheTests: XCTestCase {
    /// A loader that counts its calls and hands out `name` with a fixed size.
    private func loading(_ name: String, bytes: Int, calls: inout Int) -> (value: String, bytes: Int) {
        calls += 1
        return (name, bytes)
    }

    /// Eviction order worked by hand, budget 100:
    /// a40 b30 c20 -> [a b c] 90; use a -> [b c a]; d30 needs 120: drop b -> [c a d] 90;
    /// e50 needs 140: drop c, then a -> [d e] 80; f101 is over the budget: handed out, not
    /// kept; use d -> [e d]; a40 again (a miss) needs 120: drop e -> [d a] 70.
    func testLeastRecentlyUsedIsDroppedFirst() throws {
        let cache = LRUByteCache<String>(budget: 100)
        var calls = 0
        for (name, bytes) in [("a", 40), ("b", 30), ("c", 20)] {
            XCTAssertEqual(cache.value(for: name) { loading(name, bytes: bytes, calls: &calls) }, name)
        }
        XCTAssertEqual(cache.keysByRecency, ["a", "b", "c"])
        XCTAssertEqual(cache.heldBytes, 90)
        XCTAssertEqual(cache.value(for: "a") { loading("a", bytes: 40, calls: &calls) }, "a")
        XCTAssertEqual(calls, 3, "a was held: no load")
        XCTAssertEqual(cache.keysByRecency, ["b", "c", "a"])
        _ = cache.value(for: "d") { loading("d", bytes: 30, calls: &calls) }
        XCTAssertEqual(cache.keysByRecency, ["c", "a", "d"])
        XCTAssertEqual(cache.heldBytes, 90)
        _ = cache.value(for: "e") { loading("e", bytes: 50, calls: &calls) }
        XCTAssertEqual(cache.keysByRecency, ["d", "e"])
        XCTAssertEqual(cache.heldBytes, 80)
        XCTAssertEqual(cache.value(for: "f") { loading("f", bytes: 101, calls: &calls) }, "f")
        XCTAssertEqual(cache.keysByRecency, ["d", "e"], "a value larger than the budget is not kept")
        XCTAssertEqual(cache.heldBytes, 80)
        _ = cache.value(for: "d") { loading("d", bytes: 30, calls: &calls) }
        XCTAssertEqual(cache.keysByRecency, ["e", "d"])
        _ = cache.value(for: "a") { loading("a", bytes: 40, calls: &calls) }
        XCTAssertEqual(cache.keysByRecency, ["d", "a"])
        XCTAssertEqual(cache.heldBytes, 70)
        XCTAssertEqual(calls, 7, "loads: a b c d e f a")
        XCTAssertEqual(cache.loads, 7)
        XCTAssertEqual(cache.peakHeldBytes, 90)
    }

    /// A seeded stream of 2,000 uses of 12 keys of different sizes: after each, the cache
    /// holds at most its budget, and what it says it holds adds up to the sizes of the keys it
    /// names. A budget of 0 holds nothing and loads every time.
    func testNeverHoldsMoreThanItsBudget() throws {
        let sizes = (0..<12).map { 7 + 13 * $0 }   // 7 ... 150 bytes
        for budget in [0, 50, 151, 400] {
            let cache = LRUByteCache<Int>(budget: budget)
            var random = SplitMix64(seed: UInt64(budget))
            var calls = 0
            for _ in 0..<2000 {
                let key = random.below(sizes.count)
                let value = cache.value(for: "k\(key)") { () -> (value: Int, bytes: Int) in
                    calls += 1
                    return (key, sizes[key])
                }
                XCTAssertEqual(value, key)
                XCTAssertLessThanOrEqual(cache.heldBytes, budget)
                XCTAssertEqual(cache.heldBytes, cache.keysByRecency.map { sizes[Int($0.dropFirst())!] }.reduce(0, +))
                XCTAssertEqual(cache.keysByRecency.last == "k\(key)", sizes[key] <= budget, "the key just used is the most recent, if it fits")
            }
            XCTAssertLessThanOrEqual(cache.peakHeldBytes, budget)
            XCTAssertEqual(cache.loads, calls)
            if budget == 0 { XCTAssertEqual(calls, 2000, "nothing kept: every use loads") }
            if budget == 400 { XCTAssertLessThan(calls, 2000, "a budget holding several keys saves loads") }
        }
    }
}
