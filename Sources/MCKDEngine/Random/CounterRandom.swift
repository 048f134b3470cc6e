/// The counter-based generator behind every random fill (Philox4x32-10, Salmon et al. 2011).
///
/// Element `i` of a fill is a pure function of (seed, stream, i), so any backend, any
/// launch geometry and any thread count produce the same numbers. The OpenCL twin
/// is Kernels/random.cl; the two must stay line-for-line equivalent.
public enum CounterRandom {
    /// The four 32-bit words Philox4x32-10 produces for one counter under one key.
    @inline(__always)
    static func philox(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// The words for element `index` of stream `stream` under `seed`.
    @inline(__always)
    static func words(seed: UInt64, stream: UInt64, index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        philox(
            counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                      UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// A uniform number in [0, 1) with 24 random bits (exact in float32).
    @inline(__always)
    static func unitInterval(_ word: UInt32) -> Float {
        Float(word >> 8) * 0x1p-24
    }

    /// Element `index` of a fill with the given distribution.
    @inline(__always)
    public static func value(_ distribution: RandomDistribution, seed: UInt64, stream: UInt64, index: Int) -> Float {
        let w = words(seed: seed, stream: stream, index: UInt64(index))
        switch distribution {
        case let .uniform(low, high):
            return low + (high - low) * unitInterval(w.0)
        case let .normal(mean, standardDeviation):
            // Box-Muller with u1 in (0, 1] so the logarithm is finite.
            let u1 = Float((w.0 >> 8) + 1) * 0x1p-24
            let u2 = unitInterval(w.1)
            let radius = DeterministicMath.sqrt(-2 * DeterministicMath.log(u1))
            return mean + standardDeviation * (radius * DeterministicMath.cosTurns(u2))
        }
    }
}
