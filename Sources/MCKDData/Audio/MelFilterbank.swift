import Foundation

/// Triangular mel filters over the bins of a real FFT, built like
/// `librosa.filters.mel(htk=False, norm="slaney")`: Slaney's mel scale (linear
/// below 1 kHz, logarithmic above) and each triangle scaled to unit area
/// (2 / bandwidth), so bands of different width carry comparable energy.
public struct MelFilterbank: Sendable {
    /// Number of mel bands.
    public let bandCount: Int
    /// Number of FFT bins expected on input (`fftSize / 2 + 1`).
    public let binCount: Int
    // Sparse rows: band b covers bins firstBin[b] ..< firstBin[b] + weights[b].count.
    private let firstBin: [Int]
    private let weights: [[Float]]

    /// Builds `bandCount` filters between `minFrequency` and `maxFrequency` Hz for
    /// an FFT of `fftSize` points at `sampleRate`.
    public init(sampleRate: Int, fftSize: Int, bandCount: Int, minFrequency: Double = 0, maxFrequency: Double? = nil) throws {
        let nyquist = Double(sampleRate) / 2
        let upper = maxFrequency ?? nyquist
        guard bandCount >= 1, fftSize >= 2, sampleRate > 0, minFrequency >= 0, upper > minFrequency, upper <= nyquist else {
            throw AudioError.invalidArgument("mel filterbank needs bands >= 1 and 0 <= fmin < fmax <= Nyquist (got \(bandCount) bands, \(minFrequency)-\(upper) Hz at \(sampleRate) Hz)")
        }
        let bins = fftSize / 2 + 1
        let binFrequencies = (0..<bins).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        let lowMel = Self.hzToMel(minFrequency)
        let highMel = Self.hzToMel(upper)
        // bandCount + 2 edges, evenly spaced in mel.
        let edges = (0..<(bandCount + 2)).map {
            Self.melToHz(lowMel + (highMel - lowMel) * Double($0) / Double(bandCount + 1))
        }
        var starts = [Int]()
        var rows = [[Float]]()
        for band in 0..<bandCount {
            let (left, centre, right) = (edges[band], edges[band + 1], edges[band + 2])
            let areaNorm = 2 / (right - left)
            var first = -1
            var row = [Float]()
            for (bin, frequency) in binFrequencies.enumerated() {
                let rising = (frequency - left) / (centre - left)
                let falling = (right - frequency) / (right - centre)
                let weight = max(0, min(rising, falling))
                if weight > 0 {
                    if first < 0 { first = bin }
                    // Keep interior zeros so the row stays contiguous.
                    while first + row.count < bin { row.append(0) }
                    row.append(Float(weight * areaNorm))
                }
            }
            starts.append(max(first, 0))
            rows.append(row)
        }
        self.bandCount = bandCount
        self.binCount = bins
        self.firstBin = starts
        self.weights = rows
    }

    /// Applies the filters to one power spectrum of `binCount` values.
    public func apply(_ spectrum: UnsafeBufferPointer<Float>, into bands: UnsafeMutableBufferPointer<Float>) {
        for band in 0..<bandCount {
            let start = firstBin[band]
            var sum: Float = 0
            weights[band].withUnsafeBufferPointer { w in
                for k in 0..<w.count { sum += w[k] * spectrum[start + k] }
            }
            bands[band] = sum
        }
    }

    /// Dense weight of `band` at FFT `bin` (for inspection and tests).
    public func weight(band: Int, bin: Int) -> Float {
        let offset = bin - firstBin[band]
        return offset >= 0 && offset < weights[band].count ? weights[band][offset] : 0
    }

    /// Slaney mel scale: 3 mels per 200 Hz below 1 kHz, logarithmic above.
    public static func hzToMel(_ hz: Double) -> Double {
        let linearStep = 200.0 / 3
        let breakHz = 1000.0, breakMel = breakHz / linearStep
        let logStep = log(6.4) / 27
        return hz < breakHz ? hz / linearStep : breakMel + log(hz / breakHz) / logStep
    }

    /// Inverse of `hzToMel`.
    public static func melToHz(_ mel: Double) -> Double {
        let linearStep = 200.0 / 3
        let breakHz = 1000.0, breakMel = breakHz / linearStep
        let logStep = log(6.4) / 27
        return mel < breakMel ? mel * linearStep : breakHz * exp(logStep * (mel - breakMel))
    }
}
