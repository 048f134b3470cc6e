import Foundation

/// Where an AV-MNIST audio clip comes from.
public enum AudioOrigin: UInt8, Sendable, CustomStringConvertible {
    /// Produced by a speech synthesiser (espeak-ng, flite): used for training.
    case synthetic = 0
    /// A human recording (Asterisk prompts): used for testing.
    case real = 1

    public var description: String { self == .real ? "real" : "synthetic" }
}

/// One spoken digit: a mono 8 kHz waveform, silence-trimmed and peak-normalised.
public struct AVMNISTClip: Equatable, Sendable {
    /// The digit spoken (0-9).
    public var label: UInt8
    /// Synthetic or real.
    public var origin: AudioOrigin
    /// Who or what said it, e.g. "espeak-ng_en-us+f2_s150_p50" or "asterisk_en_US_f_Allison".
    public var source: String
    /// Samples at `AVMNISTCache.sampleRate`.
    public var samples: [Float]

    /// Describes one clip.
    public init(label: UInt8, origin: AudioOrigin, source: String, samples: [Float]) {
        self.label = label
        self.origin = origin
        self.source = source
        self.samples = samples
    }
}

/// The compact AV-MNIST cache: all MNIST images and all spoken-digit clips
/// in one little-endian binary file (`avmnist.bin`):
///
/// ```
/// offset size
///  0      8   magic "MCKDAVM1"
///  8      4   UInt32 format version (1)
/// 12      4   UInt32 image count I
/// 16      4   UInt32 image side (28)
/// 20      4   UInt32 clip count C
/// 24      4   UInt32 audio sample rate (8000)
/// 28      I   UInt8 image labels
///         I*784  UInt8 pixels (0-255, row-major)
///         C clip records, each:
///               UInt8 label, UInt8 origin (0 synthetic, 1 real), UInt16 name length n,
///               UInt32 sample count s, n bytes UTF-8 source name, s Float32 samples
/// ```
public struct AVMNISTCache: Sendable {
    /// Sample rate of every stored clip.
    public static let sampleRate = 8000
    static let magic = Array("MCKDAVM1".utf8)
    static let version: UInt32 = 1

    /// The MNIST digits.
    public var images: MNISTImages
    /// The spoken digits.
    public var clips: [AVMNISTClip]

    /// Bundles images and clips.
    public init(images: MNISTImages, clips: [AVMNISTClip]) {
        self.images = images
        self.clips = clips
    }

    /// The cache folder: `$MCKD_CACHE/avmnist` when MCKD_CACHE is set, else `~/.cache/mckd/avmnist`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        MCKDCacheDirectory.root(environment: environment).appendingPathComponent("avmnist")
    }

    /// `avmnist.bin` inside `defaultDirectory()`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        defaultDirectory(environment: environment).appendingPathComponent("avmnist.bin")
    }

    /// Writes the cache to `path` (through a temporary file, so a crash never leaves half a cache).
    public func write(to path: String) throws {
        var out = [UInt8]()
        func put32(_ v: UInt32) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
        func put16(_ v: UInt16) { out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8)) }
        out += Self.magic
        put32(Self.version)
        put32(UInt32(images.count))
        put32(UInt32(MNISTImages.side))
        put32(UInt32(clips.count))
        put32(UInt32(Self.sampleRate))
        out += images.labels
        out += images.pixels
        for clip in clips {
            let name = Array(clip.source.utf8.prefix(Int(UInt16.max)))
            out.append(clip.label)
            out.append(clip.origin.rawValue)
            put16(UInt16(name.count))
            put32(UInt32(clip.samples.count))
            out += name
            for sample in clip.samples { put32(sample.bitPattern) }
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(out).write(to: temporary)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            throw AVMNISTError.badInput(path: path, reason: "cannot write cache (\(error.localizedDescription))")
        }
    }

    /// Reads a cache written by `write(to:)`.
    public static func load(path: String) throws -> AVMNISTCache {
        guard FileManager.default.fileExists(atPath: path) else { throw AVMNISTError.cacheMissing(path: path) }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw AVMNISTError.corruptCache(path: path, reason: "unreadable: \(error.localizedDescription)")
        }
        var offset = 0
        func need(_ n: Int, _ what: String) throws {
            guard n >= 0, offset + n <= bytes.count else {
                throw AVMNISTError.corruptCache(path: path, reason: "file ends inside \(what) at byte \(offset)")
            }
        }
        func get32() -> UInt32 {
            defer { offset += 4 }
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        try need(28, "the header")
        guard Array(bytes[0..<8]) == magic else {
            throw AVMNISTError.corruptCache(path: path, reason: "wrong magic, not an AV-MNIST cache")
        }
        offset = 8
        let version = get32()
        guard version == Self.version else {
            throw AVMNISTError.corruptCache(path: path, reason: "format version \(version), this build reads \(Self.version)")
        }
        let imageCount = Int(get32())
        let side = Int(get32())
        let clipCount = Int(get32())
        let rate = Int(get32())
        guard side == MNISTImages.side, rate == sampleRate else {
            throw AVMNISTError.corruptCache(path: path, reason: "image side \(side) / sample rate \(rate), expected \(MNISTImages.side) / \(sampleRate)")
        }
        let pixelsPerImage = side * side
        try need(imageCount * (1 + pixelsPerImage), "the images")
        let labels = Array(bytes[offset..<(offset + imageCount)])
        offset += imageCount
        let pixels = Array(bytes[offset..<(offset + imageCount * pixelsPerImage)])
        offset += imageCount * pixelsPerImage
        var clips = [AVMNISTClip]()
        clips.reserveCapacity(clipCount)
        for index in 0..<clipCount {
            try need(8, "clip \(index)'s header")
            let label = bytes[offset]
            guard let origin = AudioOrigin(rawValue: bytes[offset + 1]), label <= 9 else {
                throw AVMNISTError.corruptCache(path: path, reason: "clip \(index) has label \(label) / origin \(bytes[offset + 1])")
            }
            let nameLength = Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8
            offset += 4
            let sampleCount = Int(get32())
            try need(nameLength + 4 * sampleCount, "clip \(index)")
            let source = String(decoding: bytes[offset..<(offset + nameLength)], as: UTF8.self)
            offset += nameLength
            var samples = [Float](repeating: 0, count: sampleCount)
            bytes.withUnsafeBufferPointer { b in
                for i in 0..<sampleCount {
                    let at = offset + 4 * i
                    samples[i] = Float(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
                }
            }
            offset += 4 * sampleCount
            clips.append(AVMNISTClip(label: label, origin: origin, source: source, samples: samples))
        }
        guard offset == bytes.count else {
            throw AVMNISTError.corruptCache(path: path, reason: "\(bytes.count - offset) unexpected bytes after the last clip")
        }
        return AVMNISTCache(images: MNISTImages(labels: labels, pixels: pixels), clips: clips)
    }
}
