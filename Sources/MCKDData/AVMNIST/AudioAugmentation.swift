import Foundation

/// Per-sample audio variation: a random gain, a random time shift and white
/// Gaussian noise at a random signal-to-noise ratio. All draws come from the
/// generator passed in, so a sample's augmentation is fixed by the dataset seed.
public struct AudioAugmentation: Equatable, Sendable {
    /// Gain range (linear factor).
    public var gain: ClosedRange<Double>
    /// Time shift range in samples: positive delays the clip (leading zeros),
    /// negative drops its first samples.
    public var shift: ClosedRange<Int>
    /// Signal-to-noise ratio range in dB, relative to the clip's RMS.
    public var signalToNoise: ClosedRange<Double>

    /// Describes the variation ranges.
    public init(gain: ClosedRange<Double>, shift: ClosedRange<Int>, signalToNoise: ClosedRange<Double>) {
        self.gain = gain
        self.shift = shift
        self.signalToNoise = signalToNoise
    }

    /// Training default: gain 0.6-1.4, -20 ms ... +150 ms shift, 10-30 dB SNR.
    public static let training = AudioAugmentation(gain: 0.6...1.4, shift: -160...1200, signalToNoise: 10...30)
    /// Test default: milder, so repeated real recordings differ but stay clean.
    public static let test = AudioAugmentation(gain: 0.8...1.2, shift: 0...800, signalToNoise: 25...40)
    /// No change at all.
    public static let none = AudioAugmentation(gain: 1...1, shift: 0...0, signalToNoise: .infinity ... .infinity)

    /// Returns an augmented copy of `samples`.
    func apply(to samples: [Float], using random: inout SplitMix64) -> [Float] {
        let gainFactor = Float(random.uniform(gain.lowerBound...gain.upperBound.nextUp))
        let offset = shift.lowerBound + Int(random.next() % UInt64(shift.upperBound - shift.lowerBound + 1))
        let snr = signalToNoise.lowerBound.isFinite
            ? random.uniform(signalToNoise.lowerBound...signalToNoise.upperBound.nextUp) : .infinity
        var shifted: [Float]
        if offset >= 0 {
            shifted = [Float](repeating: 0, count: offset) + samples
        } else {
            shifted = Array(samples.dropFirst(min(-offset, max(samples.count - 1, 0))))
        }
        var energy: Double = 0
        for v in samples { energy += Double(v * v) }
        let rms = (energy / Double(max(samples.count, 1))).squareRoot()
        let noiseLevel = snr.isFinite ? rms * pow(10, -snr / 20) : 0
        for i in shifted.indices {
            let noise = noiseLevel > 0 ? Float(noiseLevel * random.normal()) : 0
            shifted[i] = gainFactor * (shifted[i] + noise)
        }
        return shifted
    }
}
