import Foundation

/// Settings of the MFCC front end. Defaults give the AV-MNIST audio input:
/// 20 coefficients x 20 frames at 8 kHz, with 100 ms Hann windows every 50 ms,
/// so a one-second digit fills the 20 frames.
public struct MFCCParameters: Equatable, Sendable {
    /// Input sample rate in Hz.
    public var sampleRate = 8000
    /// FFT length in samples (power of two); the window is centred in it.
    public var fftSize = 1024
    /// Hann window length in samples (<= fftSize).
    public var windowLength = 800
    /// Samples between frame starts.
    public var hopLength = 400
    /// Mel bands.
    public var melBands = 40
    /// Lowest filter edge in Hz.
    public var minFrequency = 0.0
    /// Highest filter edge in Hz (nil: Nyquist).
    public var maxFrequency: Double? = nil
    /// Cepstral coefficients kept.
    public var coefficientCount = 20
    /// Frames in the output (zero-padded or truncated to this).
    public var frameCount = 20
    /// Floor on mel power before the log (as librosa's `amin`).
    public var powerFloor: Float = 1e-10
    /// Dynamic range kept below the clip's loudest mel value, in dB (librosa's `top_db`).
    public var topDecibels: Float = 80

    /// The AV-MNIST defaults.
    public init() {}
}

/// Mel-frequency cepstral coefficients, following librosa's conventions
/// (`librosa.feature.mfcc` with `center=True, pad_mode="constant"`,
/// periodic Hann window, power spectrum, Slaney mel filters,
/// `power_to_db(ref=1, amin=1e-10, top_db=80)`, orthonormal DCT-II):
///
/// 1. pad `fftSize / 2` zeros on each side; frame t starts at `t * hopLength`;
///    frames = `1 + count / hopLength`;
/// 2. multiply by a periodic Hann window of `windowLength`, centred in the frame;
/// 3. power spectrum |FFT|^2 over `fftSize / 2 + 1` bins;
/// 4. mel filterbank, then `10 log10(max(power, powerFloor))`, clipped at
///    (clip maximum - `topDecibels`);
/// 5. orthonormal DCT-II over the mel axis, first `coefficientCount` kept;
/// 6. frames beyond `frameCount` dropped, missing ones filled with zeros.
///
/// The result is row-major `coefficientCount x frameCount` (row = coefficient,
/// column = frame), the layout of librosa's output.
public struct MFCCExtractor: Sendable {
    /// The settings in use.
    public let parameters: MFCCParameters
    private let fft: FFT
    private let filterbank: MelFilterbank
    private let window: [Float]      // fftSize long, Hann centred, zeros around
    private let dct: [Float]         // coefficientCount x melBands

    /// Prepares the window, filterbank and DCT matrix for `parameters`.
    public init(parameters: MFCCParameters = MFCCParameters()) throws {
        let p = parameters
        guard p.windowLength >= 1, p.windowLength <= p.fftSize, p.hopLength >= 1,
              p.coefficientCount >= 1, p.coefficientCount <= p.melBands, p.frameCount >= 1 else {
            throw AudioError.invalidArgument("MFCC needs 1 <= window <= fftSize, hop >= 1, 1 <= coefficients <= mel bands, frames >= 1")
        }
        self.parameters = p
        fft = try FFT(size: p.fftSize)
        filterbank = try MelFilterbank(sampleRate: p.sampleRate, fftSize: p.fftSize, bandCount: p.melBands,
                                       minFrequency: p.minFrequency, maxFrequency: p.maxFrequency)
        var w = [Float](repeating: 0, count: p.fftSize)
        let offset = (p.fftSize - p.windowLength) / 2
        for n in 0..<p.windowLength {
            w[offset + n] = Float(0.5 - 0.5 * cos(2 * Double.pi * Double(n) / Double(p.windowLength)))
        }
        window = w
        var matrix = [Float](repeating: 0, count: p.coefficientCount * p.melBands)
        let bands = Double(p.melBands)
        for k in 0..<p.coefficientCount {
            let scale = k == 0 ? (1 / bands).squareRoot() : (2 / bands).squareRoot()
            for n in 0..<p.melBands {
                matrix[k * p.melBands + n] = Float(scale * cos(Double.pi * Double(k) * (2 * Double(n) + 1) / (2 * bands)))
            }
        }
        dct = matrix
    }

    /// Number of frames the analysis produces for `sampleCount` samples, before padding or truncation.
    public func naturalFrameCount(sampleCount: Int) -> Int { 1 + sampleCount / parameters.hopLength }

    /// MFCCs of `samples` (at `parameters.sampleRate`), `coefficientCount x frameCount`, row-major.
    public func compute(_ samples: [Float]) -> [Float] {
        let p = parameters
        let frames = min(naturalFrameCount(sampleCount: samples.count), p.frameCount)
        let bins = p.fftSize / 2 + 1
        var logMel = [Float](repeating: 0, count: frames * p.melBands)
        var real = [Float](repeating: 0, count: p.fftSize)
        var imag = [Float](repeating: 0, count: p.fftSize)
        var power = [Float](repeating: 0, count: bins)
        let padding = p.fftSize / 2
        samples.withUnsafeBufferPointer { x in
        window.withUnsafeBufferPointer { w in
        real.withUnsafeMutableBufferPointer { re in
        imag.withUnsafeMutableBufferPointer { im in
        power.withUnsafeMutableBufferPointer { pw in
        logMel.withUnsafeMutableBufferPointer { out in
            for t in 0..<frames {
                // Frame t covers padded positions [t*hop, t*hop + fftSize), i.e. signal
                // indices shifted left by the centre padding.
                let start = t * p.hopLength - padding
                for n in 0..<p.fftSize {
                    let i = start + n
                    re[n] = (i >= 0 && i < x.count) ? x[i] * w[n] : 0
                    im[n] = 0
                }
                fft.transform(re, im)
                for k in 0..<bins { pw[k] = re[k] * re[k] + im[k] * im[k] }
                let row = UnsafeMutableBufferPointer(rebasing: out[(t * p.melBands)..<((t + 1) * p.melBands)])
                filterbank.apply(UnsafeBufferPointer(pw), into: row)
            }
        }
        }
        }
        }
        }
        }
        // Decibels with a floor, then clip to top_db below the clip's maximum.
        var maximum = -Float.infinity
        for i in 0..<logMel.count {
            logMel[i] = 10 * log10(max(logMel[i], p.powerFloor))
            maximum = max(maximum, logMel[i])
        }
        let lowest = maximum - p.topDecibels
        for i in 0..<logMel.count where logMel[i] < lowest { logMel[i] = lowest }

        var output = [Float](repeating: 0, count: p.coefficientCount * p.frameCount)
        logMel.withUnsafeBufferPointer { mel in
            dct.withUnsafeBufferPointer { d in
                output.withUnsafeMutableBufferPointer { out in
                    for t in 0..<frames {
                        for k in 0..<p.coefficientCount {
                            var sum: Float = 0
                            for n in 0..<p.melBands { sum += d[k * p.melBands + n] * mel[t * p.melBands + n] }
                            out[k * p.frameCount + t] = sum
                        }
                    }
                }
            }
        }
        return output
    }
}
