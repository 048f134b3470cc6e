/// One side of AV-MNIST (training or test): its pairs and their precomputed,
/// normalised features.
public struct AVMNISTSplit: Sendable {
    /// Which split this is.
    public enum Kind: String, Sendable, CaseIterable {
        case train, test
    }

    /// Training or test.
    public let kind: Kind
    /// The pairs, in the split's (seeded) order.
    public let samples: [AVMNISTSample]
    /// Images, `count x 784`, `(x / 255 - 0.5) / 0.5`; not masked.
    public let imageFeatures: [Float]
    /// MFCCs, `count x (coefficients * frames)`, min-max scaled to [0, 1] per
    /// clip then `(x - 0.5) / 0.5`; not masked.
    public let audioFeatures: [Float]
    /// MFCC rows (coefficients).
    public let audioHeight: Int
    /// MFCC columns (frames).
    public let audioWidth: Int

    /// Number of pairs.
    public var count: Int { samples.count }

    /// The pairs at `indices` as model input; missing modalities are zeroed.
    public func batch(_ indices: [Int]) throws -> AVMNISTBatch {
        let imageSize = MNISTImages.side * MNISTImages.side
        let audioSize = audioHeight * audioWidth
        var images = [Float](repeating: 0, count: indices.count * imageSize)
        var audio = [Float](repeating: 0, count: indices.count * audioSize)
        var labels = [Int32]()
        var imagePresent = [Float]()
        var audioPresent = [Float]()
        labels.reserveCapacity(indices.count)
        for (row, index) in indices.enumerated() {
            guard index >= 0, index < count else {
                throw AVMNISTError.invalidConfiguration("batch index \(index) is outside the \(kind) split of \(count) samples")
            }
            let sample = samples[index]
            labels.append(Int32(sample.label))
            imagePresent.append(sample.imagePresent ? 1 : 0)
            audioPresent.append(sample.audioPresent ? 1 : 0)
            if sample.imagePresent {
                images.replaceSubrange((row * imageSize)..<((row + 1) * imageSize),
                                       with: imageFeatures[(index * imageSize)..<((index + 1) * imageSize)])
            }
            if sample.audioPresent {
                audio.replaceSubrange((row * audioSize)..<((row + 1) * audioSize),
                                      with: audioFeatures[(index * audioSize)..<((index + 1) * audioSize)])
            }
        }
        return AVMNISTBatch(images: images, audio: audio, labels: labels, imagePresent: imagePresent,
                            audioPresent: audioPresent, audioHeight: audioHeight, audioWidth: audioWidth)
    }

    /// Index lists for one epoch: all samples in an order shuffled by
    /// (`seed`, `epoch`), cut into batches of `batchSize` (the last may be smaller).
    public func batchIndices(batchSize: Int, seed: UInt64, epoch: Int) throws -> [[Int]] {
        guard batchSize >= 1 else {
            throw AVMNISTError.invalidConfiguration("batch size must be at least 1, got \(batchSize)")
        }
        var order = Array(0..<count)
        var random = SplitMix64(seed: seed, stream: "epoch-order-\(kind)", index: epoch)
        random.shuffleByModulo(&order)
        return stride(from: 0, to: count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, count)]) }
    }
}
