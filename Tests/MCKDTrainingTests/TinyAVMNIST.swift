import Foundation
import MCKDData
import MCKDTraining

/// A small AV-MNIST cache built in memory: 10 images per digit with a digit-specific
/// bright row (plus per-image texture), and per digit two "synthetic" and one "real"
/// tone at a digit-specific pitch. The data tests' fixture (MCKDDataTests) exercises the
/// raw folder and the cache builder; training needs only a cache, so this one skips both.
enum TinyAVMNIST {
    static let imagesPerClass = 10

    static let cache: AVMNISTCache = {
        var labels: [UInt8] = [], pixels: [UInt8] = []
        for index in 0..<imagesPerClass {
            for digit in 0...9 {
                labels.append(UInt8(digit))
                for y in 0..<28 {
                    for x in 0..<28 {
                        let stroke = abs(y - (4 + 2 * digit)) <= 1 && (4..<24).contains(x)
                        pixels.append(stroke ? 230 : UInt8((x * 7 + y * 13 + index * 29 + digit * 3) % 60))
                    }
                }
            }
        }
        var clips: [AVMNISTClip] = []
        for digit in 0...9 {
            for (variant, origin) in [AudioOrigin.synthetic, .synthetic, .real].enumerated() {
                let frequency = 250 + 180 * Double(digit) + 15 * Double(variant)
                let samples = (0..<3600).map { Float(0.6 * sin(2 * Double.pi * frequency * Double($0) / 8000)) }
                clips.append(AVMNISTClip(label: UInt8(digit), origin: origin, source: "tone\(variant)", samples: samples))
            }
        }
        return AVMNISTCache(images: MNISTImages(labels: labels, pixels: pixels), clips: clips)
    }()

    /// 6 training and 3 test pairs per digit.
    static func configuration(seed: UInt64 = 0, audioRate: Double = 1) -> AVMNISTConfiguration {
        var configuration = AVMNISTConfiguration(seed: seed, audioRate: audioRate)
        configuration.trainPairsPerClass = 6
        configuration.testPairsPerClass = 3
        return configuration
    }

    static func dataset(seed: UInt64 = 0, audioRate: Double = 1) throws -> AVMNISTDataset {
        try AVMNISTDataset(cache: cache, configuration: configuration(seed: seed, audioRate: audioRate))
    }

    /// A run configuration on the cache written to `cacheFile`: 60 training pairs (4 held
    /// out for meta-validation), 30 test pairs, batch 8, audio rate 50%, a narrow model.
    static func runConfiguration(cacheFile: URL, steps: Int) throws -> AVMNISTRunConfiguration {
        var configuration = AVMNISTRunConfiguration()
        configuration.cachePath = cacheFile.path
        // Narrow widths keep the CPU reference quick; the model tests use the paper's.
        configuration.architecture.audioChannels = [8, 8, 4]
        configuration.architecture.featureWidth = 16
        configuration.architecture.hiddenWidth = 16
        configuration.trainPairsPerClass = 6
        configuration.testPairsPerClass = 3
        configuration.batchSize = 8
        configuration.metaValidationSize = 4
        configuration.audioRate = 50
        configuration.checkpointEvery = 2
        configuration.training.seed = 5
        try configuration.setLength(epochs: nil, steps: steps)
        return configuration
    }
}
