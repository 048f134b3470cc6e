import Foundation

/// Writes mono or interleaved multi-channel WAV files (PCM 8/16/32-bit or
/// 32-bit float). Used by tests to make fixtures and by tools to export clips.
public enum WAVWriter {
    /// Sample encodings the writer can produce.
    public enum Encoding: Sendable {
        case pcm8, pcm16, pcm32, float32

        var bits: Int {
            switch self {
            case .pcm8: return 8
            case .pcm16: return 16
            case .pcm32, .float32: return 32
            }
        }
    }

    /// Encodes interleaved `samples` (clipped to [-1, 1] for integer encodings)
    /// as a complete WAV file.
    public static func encode(samples: [Float], sampleRate: Int, channels: Int = 1, encoding: Encoding = .pcm16) throws -> Data {
        guard channels >= 1, sampleRate > 0 else {
            throw AudioError.invalidArgument("WAV needs at least one channel and a positive sample rate (got \(channels), \(sampleRate))")
        }
        guard samples.count % channels == 0 else {
            throw AudioError.invalidArgument("\(samples.count) interleaved samples do not divide into \(channels) channels")
        }
        let bytesPerSample = encoding.bits / 8
        var out = [UInt8]()
        out.reserveCapacity(44 + samples.count * bytesPerSample)
        func put32(_ v: UInt32) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
        func put16(_ v: UInt16) { out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8)) }
        let dataBytes = samples.count * bytesPerSample
        out += Array("RIFF".utf8); put32(UInt32(36 + dataBytes)); out += Array("WAVE".utf8)
        out += Array("fmt ".utf8); put32(16)
        put16(encoding == .float32 ? 3 : 1)
        put16(UInt16(channels))
        put32(UInt32(sampleRate))
        put32(UInt32(sampleRate * channels * bytesPerSample))
        put16(UInt16(channels * bytesPerSample))
        put16(UInt16(encoding.bits))
        out += Array("data".utf8); put32(UInt32(dataBytes))
        for sample in samples {
            let clipped = min(max(sample, -1), 1)
            switch encoding {
            case .pcm8: out.append(UInt8(max(0, min(255, (clipped * 128 + 128).rounded()))))
            case .pcm16: put16(UInt16(bitPattern: Int16(max(-32768, min(32767, (clipped * 32768).rounded())))))
            case .pcm32: put32(UInt32(bitPattern: Int32(max(-2_147_483_648, min(2_147_483_647, (Double(clipped) * 2_147_483_648).rounded())))))
            case .float32: put32(sample.bitPattern)
            }
        }
        return Data(out)
    }

    /// Encodes and writes the file at `path`.
    public static func write(path: String, samples: [Float], sampleRate: Int, channels: Int = 1, encoding: Encoding = .pcm16) throws {
        let data = try encode(samples: samples, sampleRate: sampleRate, channels: channels, encoding: encoding)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw AudioError.io(path: path, reason: "cannot write WAV file (\(error.localizedDescription))")
        }
    }
}
