import Foundation
import MCKDData
import XCTest

/// A small raw AV-MNIST folder written by the tests themselves (no network):
/// a synthetic MNIST-format CSV and sine-tone "spoken digits" at the sample
/// rates the real tools produce (espeak-ng 22050 Hz, flite 16000 Hz, Asterisk 8000 Hz).
enum TinyAVMNISTFixture {
    static let imagesPerClass = 160
    static let syntheticVoices = [(rate: 22050, seconds: 0.6), (rate: 16000, seconds: 0.45), (rate: 22050, seconds: 0.8)]
    static let realSpeakers = ["asterisk_speakerA", "asterisk_speakerB"]

    /// Pixel value of image `index` of digit `label` at pixel `p` (deterministic, spans 0-255).
    static func pixel(label: Int, index: Int, p: Int) -> UInt8 {
        UInt8((label * 25 + index * 7 + p * 3) % 256)
    }

    /// Tone frequency used for digit `label` (distinct per digit).
    static func frequency(label: Int, variant: Int) -> Double { 300 + 150 * Double(label) + 20 * Double(variant) }

    /// Writes the raw layout under `root` and returns the raw folder.
    @discardableResult
    static func writeRaw(at root: URL) throws -> URL {
        let raw = root.appendingPathComponent("raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        // Built as bytes: String concatenation of 1.3 million fields is slow in debug builds.
        var csv = [UInt8]()
        csv.reserveCapacity(10 * imagesPerClass * 785 * 4)
        for index in 0..<imagesPerClass {
            for label in 0...9 {
                for p in 0..<784 {
                    csv += Array(String(pixel(label: label, index: index, p: p)).utf8)
                    csv.append(UInt8(ascii: ","))
                }
                csv += Array("\(label)\n".utf8)
            }
        }
        try Data(csv).write(to: raw.appendingPathComponent("mnist_5k.csv"))
        for label in 0...9 {
            let synthetic = raw.appendingPathComponent("audio/synthetic/\(label)")
            let real = raw.appendingPathComponent("audio/real/\(label)")
            try FileManager.default.createDirectory(at: synthetic, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
            for (variant, voice) in syntheticVoices.enumerated() {
                // Leading and trailing silence, as synthesisers produce.
                let silence = [Float](repeating: 0, count: voice.rate / 10)
                let tone = TestSupport.tone(frequency: frequency(label: label, variant: variant), rate: voice.rate, seconds: voice.seconds, amplitude: 0.3)
                try WAVWriter.write(path: synthetic.appendingPathComponent("voice\(variant).wav").path,
                                    samples: silence + tone + silence, sampleRate: voice.rate)
            }
            for (variant, speaker) in realSpeakers.enumerated() {
                let tone = TestSupport.tone(frequency: frequency(label: label, variant: variant) + 5, rate: 8000, seconds: 0.7, amplitude: 0.5)
                try WAVWriter.write(path: real.appendingPathComponent("\(speaker).wav").path, samples: tone, sampleRate: 8000)
            }
        }
        return raw
    }

    /// The built cache, made once per test run.
    static let cache: Result<AVMNISTCache, Error> = Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-tiny-avmnist-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let raw = try writeRaw(at: root)
        return try AVMNISTCacheBuilder.build(rawDirectory: raw.path)
    }

    static func load() throws -> AVMNISTCache { try cache.get() }
}
