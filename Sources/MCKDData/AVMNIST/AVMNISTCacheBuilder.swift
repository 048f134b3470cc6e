import Foundation

/// Converts the raw downloads of `scripts/setup-avmnist` into the compact cache.
///
/// Expected raw layout:
/// ```
/// <raw>/mnist_5k.csv.gz            (or mnist_5k.csv)
/// <raw>/audio/synthetic/<digit>/<source>.wav
/// <raw>/audio/real/<digit>/<source>.wav
/// ```
/// Every clip is mixed to mono, resampled to 8 kHz, trimmed of leading and
/// trailing silence and scaled to a peak of 0.9 (sources differ in level; the
/// dataset varies the gain itself).
public enum AVMNISTCacheBuilder {
    /// Peak amplitude every stored clip is scaled to.
    public static let peakLevel: Float = 0.9

    /// Reads `rawDirectory` and returns the cache; `log` receives progress lines.
    public static func build(rawDirectory: String, log: (String) -> Void = { _ in }) throws -> AVMNISTCache {
        let raw = URL(fileURLWithPath: rawDirectory)
        let csvCandidates = ["mnist_5k.csv.gz", "mnist_5k.csv"].map { raw.appendingPathComponent($0).path }
        guard let csv = csvCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw AVMNISTError.badInput(path: rawDirectory, reason: "no mnist_5k.csv.gz (or mnist_5k.csv) here; run scripts/setup-avmnist")
        }
        let images = try MNISTCSVReader.read(path: csv)
        log("images: \(images.count) from \(csv)")

        var clips = [AVMNISTClip]()
        var resamplers = [Int: Resampler]()
        for origin in [AudioOrigin.synthetic, .real] {
            let originFolder = raw.appendingPathComponent("audio/\(origin)")
            var count = 0
            for digit in 0...9 {
                let folder = originFolder.appendingPathComponent("\(digit)")
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                    .filter { $0.lowercased().hasSuffix(".wav") }
                    .sorted()
                for name in names {
                    let path = folder.appendingPathComponent(name).path
                    var audio = try WAVReader.readMono(path: path)
                    if audio.sampleRate != AVMNISTCache.sampleRate {
                        if resamplers[audio.sampleRate] == nil {
                            resamplers[audio.sampleRate] = try Resampler(inputRate: audio.sampleRate, outputRate: AVMNISTCache.sampleRate)
                        }
                        audio = try resamplers[audio.sampleRate]!.process(audio)
                    }
                    audio = SilenceTrimmer.trim(audio)
                    let peak = audio.samples.map(abs).max() ?? 0
                    guard peak > 1e-4, audio.samples.count >= AVMNISTCache.sampleRate / 20 else {
                        throw AVMNISTError.badInput(path: path, reason: "clip is silent or shorter than 50 ms after trimming")
                    }
                    let gain = peakLevel / peak
                    clips.append(AVMNISTClip(label: UInt8(digit), origin: origin, source: String(name.dropLast(4)),
                                             samples: audio.samples.map { $0 * gain }))
                    count += 1
                }
            }
            log("\(origin) clips: \(count) from \(originFolder.path)")
        }
        return AVMNISTCache(images: images, clips: clips)
    }
}
