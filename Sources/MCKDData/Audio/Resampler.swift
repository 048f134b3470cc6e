import Foundation

/// Band-limited sample-rate conversion by a polyphase windowed-sinc filter.
///
/// The rate ratio is reduced to `L / M` (output / input). Output sample `n`
/// sits at input time `n * M / L`; its value is the input convolved with a
/// Kaiser-windowed sinc low-pass centred there. Because the fractional part of
/// that time takes only `L` values, the filter is tabulated once per phase.
/// The cut-off is `rolloff` times the lower of the two Nyquist frequencies, so
/// downsampling removes what the new rate cannot represent (no aliasing).
public struct Resampler: Sendable {
    /// Input samples per second.
    public let inputRate: Int
    /// Output samples per second.
    public let outputRate: Int
    private let upFactor: Int      // L
    private let downFactor: Int    // M
    private let halfWidth: Int     // taps each side of the centre, in input samples
    private let table: [Float]     // L phases x (2 * halfWidth) taps

    /// Prepares a converter from `inputRate` to `outputRate`.
    /// - Parameters:
    ///   - zeroCrossings: sinc zero crossings kept on each side (filter length / sharpness).
    ///   - rolloff: cut-off as a fraction of the lower Nyquist frequency.
    ///   - kaiserBeta: Kaiser window shape (higher: more stop-band attenuation, wider transition).
    public init(inputRate: Int, outputRate: Int, zeroCrossings: Int = 16, rolloff: Double = 0.94, kaiserBeta: Double = 8.6) throws {
        guard inputRate > 0, outputRate > 0 else {
            throw AudioError.invalidArgument("sample rates must be positive (got \(inputRate) -> \(outputRate))")
        }
        guard zeroCrossings >= 2, rolloff > 0, rolloff <= 1 else {
            throw AudioError.invalidArgument("resampler needs zeroCrossings >= 2 and 0 < rolloff <= 1")
        }
        let divisor = Self.gcd(inputRate, outputRate)
        let up = outputRate / divisor
        let down = inputRate / divisor
        // Cut-off in cycles per input sample, relative to the input Nyquist (1 = input Nyquist).
        let cutoff = min(1.0, Double(up) / Double(down)) * rolloff
        let half = Int((Double(zeroCrossings) / cutoff).rounded(.up))
        let taps = 2 * half
        guard up * taps <= 1 << 23 else {
            throw AudioError.invalidArgument("rate ratio \(outputRate)/\(inputRate) needs \(up) filter phases; too many to tabulate")
        }
        let windowNorm = Self.besselI0(kaiserBeta)
        var coefficients = [Float](repeating: 0, count: up * taps)
        for phase in 0..<up {
            let fraction = Double(phase) / Double(up)
            for tap in 0..<taps {
                // Distance (input samples) from output time to input sample i + (tap - half + 1).
                let u = Double(tap - half + 1) - fraction
                let x = u / Double(half)
                guard abs(x) < 1 else { continue }
                let window = Self.besselI0(kaiserBeta * (1 - x * x).squareRoot()) / windowNorm
                let arg = Double.pi * cutoff * u
                let sinc = arg == 0 ? 1 : sin(arg) / arg
                coefficients[phase * taps + tap] = Float(cutoff * sinc * window)
            }
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.upFactor = up
        self.downFactor = down
        self.halfWidth = half
        self.table = coefficients
    }

    /// Converts `input` (at `inputRate`) to `outputRate`. The output has
    /// `ceil(count * outputRate / inputRate)` samples; the signal is taken as
    /// zero outside the input.
    public func process(_ input: [Float]) -> [Float] {
        if upFactor == downFactor { return input }
        let outputCount = (input.count * upFactor + downFactor - 1) / downFactor
        var output = [Float](repeating: 0, count: outputCount)
        let taps = 2 * halfWidth
        let count = input.count
        input.withUnsafeBufferPointer { x in
            table.withUnsafeBufferPointer { h in
                output.withUnsafeMutableBufferPointer { y in
                    for n in 0..<outputCount {
                        let position = n * downFactor
                        let base = position / upFactor
                        let phase = position - base * upFactor
                        let first = base - halfWidth + 1
                        let row = phase * taps
                        // Clamp the tap range to the input instead of padding it.
                        let lo = max(0, -first)
                        let hi = min(taps, count - first)
                        var acc: Float = 0
                        if lo < hi {
                            for t in lo..<hi { acc += x[first + t] * h[row + t] }
                        }
                        y[n] = acc
                    }
                }
            }
        }
        return output
    }

    /// Converts `audio` to `outputRate`, checking that its rate matches.
    public func process(_ audio: MonoAudio) throws -> MonoAudio {
        guard audio.sampleRate == inputRate else {
            throw AudioError.invalidArgument("resampler expects \(inputRate) Hz input, got \(audio.sampleRate) Hz")
        }
        return MonoAudio(samples: process(audio.samples), sampleRate: outputRate)
    }

    /// Resamples `audio` to `rate` (a no-op when it is already there).
    public static func resample(_ audio: MonoAudio, to rate: Int) throws -> MonoAudio {
        if audio.sampleRate == rate { return audio }
        return try Resampler(inputRate: audio.sampleRate, outputRate: rate).process(audio)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// Modified Bessel function of the first kind, order 0 (power series).
    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let quarterSquare = x * x / 4
        var k = 1.0
        while term > 1e-12 * sum {
            term *= quarterSquare / (k * k)
            sum += term
            k += 1
        }
        return sum
    }
}
