/// A single-channel waveform: samples in [-1, 1] (nominally) and their rate.
public struct MonoAudio: Equatable, Sendable {
    /// Samples, one per time step.
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int

    /// Wraps `samples` recorded at `sampleRate` samples per second.
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double { Double(samples.count) / Double(max(sampleRate, 1)) }
}
