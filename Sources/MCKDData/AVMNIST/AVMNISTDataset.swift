import Dispatch
import Foundation

/// AV-MNIST as in the paper: 1,500 pairs of an MNIST image and a spoken digit
/// of the same class, 1,050 for training and 450 for testing.
///
/// - Images: per digit, a seeded draw of distinct MNIST images; the training
///   and test images never overlap.
/// - Training audio: synthetic voices (espeak-ng, flite), cycled per digit in
///   seeded order, each use varied by `trainingAugmentation`.
/// - Test audio: the real recordings (Asterisk prompts), cycled per digit,
///   each use varied by the milder `testAugmentation`.
/// - Modality rates: exactly `round(audioRate * N)` training samples keep their
///   audio and `round(visualRate * N)` keep their image; images are only dropped
///   from samples that keep audio, so no sample loses both. Test samples keep both.
public struct AVMNISTDataset: Sendable {
    /// The settings it was built with.
    public let configuration: AVMNISTConfiguration
    /// Training pairs.
    public let train: AVMNISTSplit
    /// Test pairs.
    public let test: AVMNISTSplit

    /// Loads the cache at `cachePath` (default: `AVMNISTCache.defaultFile()`) and builds the dataset.
    public init(cachePath: String? = nil, configuration: AVMNISTConfiguration = AVMNISTConfiguration()) throws {
        let path = cachePath ?? AVMNISTCache.defaultFile().path
        try self.init(cache: try AVMNISTCache.load(path: path), configuration: configuration)
    }

    /// Builds the dataset from a loaded cache.
    public init(cache: AVMNISTCache, configuration: AVMNISTConfiguration = AVMNISTConfiguration()) throws {
        let config = configuration
        guard config.mfcc.sampleRate == AVMNISTCache.sampleRate else {
            throw AVMNISTError.invalidConfiguration("MFCC sample rate \(config.mfcc.sampleRate) differs from the cache's \(AVMNISTCache.sampleRate) Hz")
        }
        let (trainSamples, testSamples) = try Self.pairs(cache: cache, configuration: config)
        self.configuration = config
        train = try Self.makeSplit(.train, samples: trainSamples, cache: cache, augmentation: config.trainingAugmentation, config: config)
        test = try Self.makeSplit(.test, samples: testSamples, cache: cache, augmentation: config.testAugmentation, config: config)
    }

    /// The pairing alone (no features): which image and clip each training and
    /// test sample uses, in split order, with the rate masks applied. Cheap;
    /// `init` calls it and then computes the features.
    public static func pairs(cache: AVMNISTCache, configuration: AVMNISTConfiguration) throws -> (train: [AVMNISTSample], test: [AVMNISTSample]) {
        let config = configuration
        guard (0...1).contains(config.audioRate), (0...1).contains(config.visualRate) else {
            throw AVMNISTError.invalidConfiguration("audio rate \(config.audioRate) and visual rate \(config.visualRate) must lie in 0...1")
        }
        guard config.trainPairsPerClass >= 1, config.testPairsPerClass >= 1 else {
            throw AVMNISTError.invalidConfiguration("need at least one training and one test pair per digit")
        }
        let seed = config.seed
        var trainSamples = [AVMNISTSample]()
        var testSamples = [AVMNISTSample]()
        for digit in 0...9 {
            var images = cache.images.labels.indices.filter { cache.images.labels[$0] == digit }
            let needed = config.trainPairsPerClass + config.testPairsPerClass
            guard images.count >= needed else {
                throw AVMNISTError.insufficientData("digit \(digit) has \(images.count) images, the splits need \(needed)")
            }
            var random = SplitMix64(seed: seed, stream: "images", index: digit)
            random.shuffleByModulo(&images)

            var synthetic = cache.clips.indices.filter { cache.clips[$0].label == digit && cache.clips[$0].origin == .synthetic }
            var real = cache.clips.indices.filter { cache.clips[$0].label == digit && cache.clips[$0].origin == .real }
            guard !synthetic.isEmpty else {
                throw AVMNISTError.insufficientData("no synthetic clips of digit \(digit) for training; run scripts/setup-avmnist")
            }
            guard !real.isEmpty else {
                throw AVMNISTError.insufficientData("no real recordings of digit \(digit) for testing; run scripts/setup-avmnist (needs asterisk-core-sounds-en-wav)")
            }
            var trainAudioRandom = SplitMix64(seed: seed, stream: "train-audio", index: digit)
            trainAudioRandom.shuffleByModulo(&synthetic)
            var testAudioRandom = SplitMix64(seed: seed, stream: "test-audio", index: digit)
            testAudioRandom.shuffleByModulo(&real)

            func sample(image: Int, clip: Int) -> AVMNISTSample {
                AVMNISTSample(label: digit, imageIndex: image, clipIndex: clip, audioOrigin: cache.clips[clip].origin,
                              audioSource: cache.clips[clip].source, imagePresent: true, audioPresent: true)
            }
            for j in 0..<config.trainPairsPerClass {
                trainSamples.append(sample(image: images[j], clip: synthetic[j % synthetic.count]))
            }
            for j in 0..<config.testPairsPerClass {
                testSamples.append(sample(image: images[config.trainPairsPerClass + j], clip: real[j % real.count]))
            }
        }
        var trainOrder = SplitMix64(seed: seed, stream: "train-order")
        trainOrder.shuffleByModulo(&trainSamples)
        var testOrder = SplitMix64(seed: seed, stream: "test-order")
        testOrder.shuffleByModulo(&testSamples)
        try applyRateMasks(to: &trainSamples, audioRate: config.audioRate, visualRate: config.visualRate, seed: seed)

        return (trainSamples, testSamples)
    }

    /// Number of samples `rate` keeps out of `count` (rounded half away from zero).
    public static func keptCount(rate: Double, of count: Int) -> Int {
        Int((rate * Double(count)).rounded(.toNearestOrAwayFromZero))
    }

    private static func applyRateMasks(to samples: inout [AVMNISTSample], audioRate: Double, visualRate: Double, seed: UInt64) throws {
        let n = samples.count
        var order = Array(0..<n)
        var audioRandom = SplitMix64(seed: seed, stream: "audio-mask")
        audioRandom.shuffleByModulo(&order)
        for i in order.dropFirst(keptCount(rate: audioRate, of: n)) { samples[i].audioPresent = false }

        let imagesToDrop = n - keptCount(rate: visualRate, of: n)
        var candidates = samples.indices.filter { samples[$0].audioPresent }
        guard imagesToDrop <= candidates.count else {
            throw AVMNISTError.invalidConfiguration("audio rate \(audioRate) with visual rate \(visualRate) would leave \(imagesToDrop - candidates.count) training samples with no modality")
        }
        var visualRandom = SplitMix64(seed: seed, stream: "visual-mask")
        visualRandom.shuffleByModulo(&candidates)
        for i in candidates.prefix(imagesToDrop) { samples[i].imagePresent = false }
    }

    private static func makeSplit(_ kind: AVMNISTSplit.Kind, samples: [AVMNISTSample], cache: AVMNISTCache,
                                  augmentation: AudioAugmentation, config: AVMNISTConfiguration) throws -> AVMNISTSplit {
        let imageSize = MNISTImages.side * MNISTImages.side
        var images = [Float](repeating: 0, count: samples.count * imageSize)
        cache.images.pixels.withUnsafeBufferPointer { pixels in
            images.withUnsafeMutableBufferPointer { out in
                for (row, sample) in samples.enumerated() {
                    for p in 0..<imageSize {
                        out[row * imageSize + p] = (Float(pixels[sample.imageIndex * imageSize + p]) / 255 - 0.5) / 0.5
                    }
                }
            }
        }
        let extractor = try MFCCExtractor(parameters: config.mfcc)
        let audioSize = config.mfcc.coefficientCount * config.mfcc.frameCount
        var audio = [Float](repeating: 0, count: samples.count * audioSize)
        audio.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            // MFCCs dominate loading time; samples are independent, so spread them over the cores.
            DispatchQueue.concurrentPerform(iterations: samples.count) { row in
                var random = SplitMix64(seed: config.seed, stream: "\(kind)-augmentation", index: row)
                let waveform = augmentation.apply(to: cache.clips[samples[row].clipIndex].samples, using: &random)
                let features = Self.minMaxScaled(extractor.compute(waveform))
                for i in 0..<audioSize { base[row * audioSize + i] = features[i] }
            }
        }
        return AVMNISTSplit(kind: kind, samples: samples, imageFeatures: images, audioFeatures: audio,
                            audioHeight: config.mfcc.coefficientCount, audioWidth: config.mfcc.frameCount)
    }

    /// Min-max to [0, 1] over the whole matrix, then (x - 0.5) / 0.5; a constant matrix becomes zeros.
    static func minMaxScaled(_ values: [Float]) -> [Float] {
        guard let low = values.min(), let high = values.max(), high > low else {
            return [Float](repeating: 0, count: values.count)
        }
        // Divide (not multiply by a reciprocal) so the extremes land exactly on -1 and 1.
        let range = high - low
        return values.map { (($0 - low) / range - 0.5) / 0.5 }
    }
}
