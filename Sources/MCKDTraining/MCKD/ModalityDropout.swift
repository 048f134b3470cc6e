import MCKDEngine

/// Draws the available-modality set of each training batch (method.md section 4):
/// k uniform in 1...M, then a uniformly random subset of size k. The draw for step s
/// is a pure function of (seed, s), so a resumed run draws exactly what an
/// uninterrupted one would, with no generator state to save.
public struct ModalityDropout: Sendable {
    public let modalityCount: Int
    public let seed: UInt64
    /// Steps before this one use every modality (the reference's all-modality warm-up).
    public let warmupSteps: Int

    /// The generator stream reserved for dropout draws.
    static let stream: UInt64 = 0x4D4F_4441_4C44_524F   // "MODALDRO"

    public init(modalityCount: Int, seed: UInt64, warmupSteps: Int = 0) {
        self.modalityCount = modalityCount
        self.seed = seed
        self.warmupSteps = warmupSteps
    }

    /// The set for training step `step` (0-based).
    public func subset(atStep step: Int) -> ModalitySet { subset(atStep: step, stream: Self.stream) }

    /// One set per sample for step `step` (method.md section 4's option): sample n draws
    /// from its own stream, sample 0 from the batch's (so it gets `subset(atStep:)`).
    public func subsets(atStep step: Int, samples: Int) throws -> PerSampleAvailability {
        try PerSampleAvailability((0..<samples).map { subset(atStep: step, stream: Self.stream &+ UInt64($0)) })
    }

    private func subset(atStep step: Int, stream: UInt64) -> ModalitySet {
        if step < warmupSteps { return .all(modalityCount) }
        var draw = 0
        func uniform(_ bound: Int) -> Int {
            defer { draw += 1 }
            let u = CounterRandom.value(.uniform(low: 0, high: 1), seed: seed, stream: stream,
                                        index: step * 64 + draw)
            return min(bound - 1, Int(u * Float(bound)))
        }
        let size = 1 + uniform(modalityCount)
        // Partial Fisher-Yates shuffle: the first `size` entries are a uniform subset.
        var order = Array(0..<modalityCount)
        for position in 0..<size {
            order.swapAt(position, position + uniform(modalityCount - position))
        }
        return try! ModalitySet(Array(order[..<size]), of: modalityCount)
    }
}
