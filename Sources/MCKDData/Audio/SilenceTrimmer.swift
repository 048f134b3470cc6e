import Foundation

/// Cuts leading and trailing silence so clips from different sources start
/// with the spoken word (synthesisers and recordings pad differently).
public enum SilenceTrimmer {
    /// Keeps the span from the first to the last 10 ms block whose RMS is within
    /// `thresholdDecibels` of the loudest block, plus `marginSeconds` on each side.
    /// A silent clip is returned unchanged.
    public static func trim(_ audio: MonoAudio, thresholdDecibels: Float = 40, marginSeconds: Double = 0.02) -> MonoAudio {
        let block = max(1, audio.sampleRate / 100)
        let blocks = (audio.samples.count + block - 1) / block
        guard blocks > 0 else { return audio }
        var energies = [Float](repeating: 0, count: blocks)
        audio.samples.withUnsafeBufferPointer { x in
            for b in 0..<blocks {
                let end = min(x.count, (b + 1) * block)
                var sum: Float = 0
                for i in (b * block)..<end { sum += x[i] * x[i] }
                energies[b] = sum / Float(end - b * block)
            }
        }
        let loudest = energies.max() ?? 0
        guard loudest > 0 else { return audio }
        // Energy ratio for the dB threshold (energy is amplitude squared).
        let floor = loudest * Float(pow(10, Double(-thresholdDecibels) / 10))
        guard let first = energies.firstIndex(where: { $0 >= floor }),
              let last = energies.lastIndex(where: { $0 >= floor }) else { return audio }
        let margin = Int(marginSeconds * Double(audio.sampleRate))
        let start = max(0, first * block - margin)
        let end = min(audio.samples.count, (last + 1) * block + margin)
        return MonoAudio(samples: Array(audio.samples[start..<end]), sampleRate: audio.sampleRate)
    }
}
