import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator.
/// Used everywhere the data layer needs randomness, so a seed fixes every
/// phantom, split and training batch, on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnit()
    }

    /// Uniform integer in 0..<bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }

    /// Standard normal (Box-Muller; one value per call keeps the state simple).
    public mutating func normal() -> Double {
        let u1 = max(nextUnit(), 1e-300), u2 = nextUnit()
        return (-2 * u1.log()).squareRoot() * (2 * Double.pi * u2).cosine()
    }

    /// A child generator for item `index`, independent of how many numbers the
    /// parent has produced (so case 7 is the same whether 8 or 80 cases are made).
    public static func derived(seed: UInt64, index: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }

    /// A generator of its own for (`seed`, a named `stream`, `index`): the name is hashed
    /// (FNV-1a), so each use of randomness (AV-MNIST's pairing, masks, augmentation of
    /// sample `index`) depends only on its own coordinates, never on draw order.
    public init(seed: UInt64, stream: String, index: Int = 0) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in stream.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var mixer = SplitMix64(seed: seed ^ hash)
        var indexed = SplitMix64(seed: mixer.next() ^ (UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9_7F4A_7C15))
        self.init(seed: indexed.next())
    }

    /// Fisher-Yates shuffle picking j = next() % (i + 1), a spelled-out algorithm that no
    /// Swift version changes (unlike `shuffle(using:)`). AV-MNIST's datasets were drawn
    /// this way; `below` would pick other elements.
    public mutating func shuffleByModulo<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, Int(next() % UInt64(i + 1)))
        }
    }
}

private extension Double {
    func log() -> Double { Foundation.log(self) }
    func cosine() -> Double { Foundation.cos(self) }
}
