import Foundation
import MCKDData
import XCTest

final class AVMNISTDatasetTests: XCTestCase {
    func testSplitSizesAndClassBalanceFollowThePaper() throws {
        let cache = try TinyAVMNISTFixture.load()
        let dataset = try AVMNISTDataset(cache: cache, configuration: AVMNISTConfiguration(seed: 1))
        XCTAssertEqual(dataset.train.count, 1050)
        XCTAssertEqual(dataset.test.count, 450)
        for digit in 0...9 {
            XCTAssertEqual(dataset.train.samples.filter { $0.label == digit }.count, 105, "train digit \(digit)")
            XCTAssertEqual(dataset.test.samples.filter { $0.label == digit }.count, 45, "test digit \(digit)")
        }
        // Every pair shows one digit in both modalities; no image is reused.
        for sample in dataset.train.samples + dataset.test.samples {
            XCTAssertEqual(Int(cache.images.labels[sample.imageIndex]), sample.label)
            XCTAssertEqual(Int(cache.clips[sample.clipIndex].label), sample.label)
        }
        let allImages = (dataset.train.samples + dataset.test.samples).map(\.imageIndex)
        XCTAssertEqual(Set(allImages).count, 1500)
    }

    func testTrainingAudioIsSyntheticAndTestAudioIsTheRealRecordings() throws {
        let cache = try TinyAVMNISTFixture.load()
        let dataset = try AVMNISTDataset(cache: cache)
        XCTAssertTrue(dataset.train.samples.allSatisfy { $0.audioOrigin == .synthetic })
        XCTAssertTrue(dataset.test.samples.allSatisfy { $0.audioOrigin == .real })
        XCTAssertEqual(Set(dataset.test.samples.map(\.audioSource)), Set(TinyAVMNISTFixture.realSpeakers))
        XCTAssertEqual(Set(dataset.train.samples.map(\.audioSource)).count, TinyAVMNISTFixture.syntheticVoices.count)
        // Augmentation makes reused clips differ: no two training MFCC matrices are identical.
        let size = 400
        let train = dataset.train.audioFeatures
        let distinct = Set((0..<dataset.train.count).map { Array(train[($0 * size)..<(($0 + 1) * size)]) })
        XCTAssertEqual(distinct.count, dataset.train.count)
    }

    func testSameSeedGivesIdenticalDataAndOtherSeedsDiffer() throws {
        let cache = try TinyAVMNISTFixture.load()
        let config = AVMNISTConfiguration(seed: 42, audioRate: 0.3)
        let first = try AVMNISTDataset(cache: cache, configuration: config)
        let second = try AVMNISTDataset(cache: cache, configuration: config)
        XCTAssertEqual(first.train.samples, second.train.samples)
        XCTAssertEqual(first.test.samples, second.test.samples)
        XCTAssertEqual(first.train.audioFeatures, second.train.audioFeatures)
        XCTAssertEqual(first.test.audioFeatures, second.test.audioFeatures)
        XCTAssertEqual(first.train.imageFeatures, second.train.imageFeatures)
        XCTAssertEqual(try first.train.batchIndices(batchSize: 64, seed: 3, epoch: 2),
                       try second.train.batchIndices(batchSize: 64, seed: 3, epoch: 2))

        let other = try AVMNISTDataset(cache: cache, configuration: AVMNISTConfiguration(seed: 43, audioRate: 0.3))
        XCTAssertNotEqual(first.train.samples.map(\.imageIndex), other.train.samples.map(\.imageIndex))
        XCTAssertNotEqual(first.train.samples.map(\.audioPresent), other.train.samples.map(\.audioPresent))
        XCTAssertNotEqual(first.train.audioFeatures, other.train.audioFeatures)
    }

    func testRateMasksKeepExactlyTheRoundedShare() throws {
        let cache = try TinyAVMNISTFixture.load()
        let cases: [(audio: Double, visual: Double)] = [(0.1, 1), (0.15, 1), (1, 0.33), (0.5, 0.5), (0, 1), (0.7, 0.45)]
        for (audioRate, visualRate) in cases {
            let (train, test) = try AVMNISTDataset.pairs(cache: cache, configuration: AVMNISTConfiguration(seed: 5, audioRate: audioRate, visualRate: visualRate))
            XCTAssertEqual(train.filter(\.audioPresent).count, Int((audioRate * 1050).rounded()), "audio rate \(audioRate)")
            XCTAssertEqual(train.filter(\.imagePresent).count, Int((visualRate * 1050).rounded()), "visual rate \(visualRate)")
            XCTAssertTrue(train.allSatisfy { $0.audioPresent || $0.imagePresent }, "a sample lost both modalities")
            XCTAssertTrue(test.allSatisfy { $0.audioPresent && $0.imagePresent })
        }
        // 15% of 1050 is 157.5: rounds to 158.
        XCTAssertEqual(AVMNISTDataset.keptCount(rate: 0.15, of: 1050), 158)
        XCTAssertThrowsError(try AVMNISTDataset.pairs(cache: cache, configuration: AVMNISTConfiguration(seed: 5, audioRate: 0.2, visualRate: 0.5))) { error in
            XCTAssertTrue("\(error)".contains("no modality"), "\(error)")
        }
        XCTAssertThrowsError(try AVMNISTDataset.pairs(cache: cache, configuration: AVMNISTConfiguration(seed: 5, audioRate: 1.5)))
    }

    func testBatchesHaveModelShapesNormalisationAndZeroedMissingInputs() throws {
        let cache = try TinyAVMNISTFixture.load()
        let dataset = try AVMNISTDataset(cache: cache, configuration: AVMNISTConfiguration(seed: 9, audioRate: 0.5))
        let indices = try dataset.train.batchIndices(batchSize: 100, seed: 0, epoch: 0)
        XCTAssertEqual(indices.count, 11)
        XCTAssertEqual(indices.last?.count, 50)
        XCTAssertEqual(Set(indices.joined()).count, 1050)

        let batch = try dataset.train.batch(indices[0])
        XCTAssertEqual(batch.imageShape, [100, 1, 28, 28])
        XCTAssertEqual(batch.audioShape, [100, 1, 20, 20])
        XCTAssertEqual(batch.images.count, 100 * 784)
        XCTAssertEqual(batch.audio.count, 100 * 400)
        for (row, index) in indices[0].enumerated() {
            let sample = dataset.train.samples[index]
            XCTAssertEqual(batch.labels[row], Int32(sample.label))
            XCTAssertEqual(batch.audioPresent[row], sample.audioPresent ? 1 : 0)
            XCTAssertEqual(batch.imagePresent[row], 1)
            // Image normalisation: (x / 255 - 0.5) / 0.5 of the cached pixel.
            let pixel = cache.images.pixels[sample.imageIndex * 784 + 123]
            XCTAssertEqual(batch.images[row * 784 + 123], (Float(pixel) / 255 - 0.5) / 0.5, accuracy: 1e-6)
            let audio = batch.audio[(row * 400)..<((row + 1) * 400)]
            if sample.audioPresent {
                // Min-max to [0, 1] then (x - 0.5) / 0.5: the extremes are exactly -1 and 1.
                XCTAssertEqual(audio.min(), -1)
                XCTAssertEqual(audio.max(), 1)
            } else {
                XCTAssertTrue(audio.allSatisfy { $0 == 0 }, "missing audio must be zero")
            }
        }
        XCTAssertThrowsError(try dataset.train.batch([5000]))
    }

    func testMissingClassDataIsAClearError() throws {
        var cache = try TinyAVMNISTFixture.load()
        cache.clips.removeAll { $0.label == 4 && $0.origin == .real }
        XCTAssertThrowsError(try AVMNISTDataset.pairs(cache: cache, configuration: AVMNISTConfiguration())) { error in
            XCTAssertTrue("\(error)".contains("no real recordings of digit 4"), "\(error)")
        }
    }

    /// Uses the cache made by scripts/setup-avmnist when it exists (skipped otherwise).
    func testRealCacheWhenPresent() throws {
        let path = AVMNISTCache.defaultFile().path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("no real AV-MNIST cache at \(path); run scripts/setup-avmnist to enable this test")
        }
        let cache = try AVMNISTCache.load(path: path)
        XCTAssertEqual(cache.images.count, 5000)
        for digit in 0...9 {
            XCTAssertEqual(cache.images.labels.filter { $0 == digit }.count, 500)
        }
        let dataset = try AVMNISTDataset(cache: cache, configuration: AVMNISTConfiguration(seed: 0, audioRate: 0.1))
        XCTAssertEqual(dataset.train.count, 1050)
        XCTAssertEqual(dataset.test.count, 450)
        XCTAssertTrue(dataset.test.samples.contains { $0.audioSource == "asterisk_en_US_f_Allison" })
        XCTAssertTrue(dataset.test.samples.allSatisfy { $0.audioOrigin == .real })
        XCTAssertEqual(dataset.train.samples.filter(\.audioPresent).count, 105)
        let voices = Set(dataset.train.samples.map(\.audioSource))
        XCTAssertTrue(voices.contains { $0.hasPrefix("espeak-ng") } && voices.contains { $0.hasPrefix("flite") })
    }
}
