import Foundation

/// Reads RIFF/WAVE files: PCM integer 8/16/24/32-bit and IEEE float 32/64-bit,
/// any channel count (mixed down to mono by averaging), including the
/// WAVE_FORMAT_EXTENSIBLE header that some tools write.
public enum WAVReader {
    private static let formatPCM: UInt16 = 1
    private static let formatFloat: UInt16 = 3
    private static let formatExtensible: UInt16 = 0xFFFE

    /// Reads the file at `path` and returns its channels averaged into one.
    public static func readMono(path: String) throws -> MonoAudio {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AudioError.io(path: path, reason: "cannot read file (\(error.localizedDescription))")
        }
        return try decodeMono(data, path: path)
    }

    /// Decodes WAV bytes held in memory; `path` only labels error messages.
    public static func decodeMono(_ data: Data, path: String = "<memory>") throws -> MonoAudio {
        let bytes = [UInt8](data)
        guard bytes.count >= 12 else {
            throw AudioError.malformedWAV(path: path, reason: "file is \(bytes.count) bytes, shorter than a RIFF header")
        }
        guard fourCC(bytes, 0) == "RIFF" else {
            throw AudioError.malformedWAV(path: path, reason: "missing 'RIFF' signature")
        }
        guard fourCC(bytes, 8) == "WAVE" else {
            throw AudioError.malformedWAV(path: path, reason: "RIFF form type is '\(fourCC(bytes, 8))', expected 'WAVE'")
        }

        var format: (tag: UInt16, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        var dataRange: Range<Int>?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = fourCC(bytes, offset)
            let declaredSize = Int(readUInt32(bytes, offset + 4))
            let bodyStart = offset + 8
            // Streaming writers leave the size as a placeholder (0 or 0xFFFFFFFF);
            // the data chunk then simply runs to the end of the file.
            let available = bytes.count - bodyStart
            if id == "fmt " {
                guard declaredSize >= 16, declaredSize <= available else {
                    throw AudioError.malformedWAV(path: path, reason: "'fmt ' chunk has size \(declaredSize), needs 16 bytes within the file")
                }
                var tag = readUInt16(bytes, bodyStart)
                let channels = Int(readUInt16(bytes, bodyStart + 2))
                let rate = Int(readUInt32(bytes, bodyStart + 4))
                let blockAlign = Int(readUInt16(bytes, bodyStart + 12))
                let bits = Int(readUInt16(bytes, bodyStart + 14))
                if tag == formatExtensible {
                    guard declaredSize >= 40 else {
                        throw AudioError.malformedWAV(path: path, reason: "extensible 'fmt ' chunk is \(declaredSize) bytes, needs 40")
                    }
                    // The sub-format GUID starts with the plain format tag.
                    tag = readUInt16(bytes, bodyStart + 24)
                }
                format = (tag, channels, rate, blockAlign, bits)
            } else if id == "data" {
                let size = (declaredSize == 0 || declaredSize > available) ? available : declaredSize
                dataRange = bodyStart..<(bodyStart + size)
            }
            if id == "data", dataRange != nil, format != nil { break }
            guard declaredSize <= available else { break }
            offset = bodyStart + declaredSize + (declaredSize & 1)  // chunks are padded to even sizes
        }

        guard let fmt = format else {
            throw AudioError.malformedWAV(path: path, reason: "no 'fmt ' chunk before the end of the file")
        }
        guard let range = dataRange else {
            throw AudioError.malformedWAV(path: path, reason: "no 'data' chunk")
        }
        guard fmt.channels >= 1 else {
            throw AudioError.malformedWAV(path: path, reason: "channel count is 0")
        }
        guard fmt.rate > 0 else {
            throw AudioError.malformedWAV(path: path, reason: "sample rate is 0")
        }
        let bytesPerSample = fmt.bits / 8
        guard fmt.bits % 8 == 0, bytesPerSample >= 1 else {
            throw AudioError.unsupportedWAV(path: path, reason: "\(fmt.bits) bits per sample is not a whole number of bytes")
        }
        switch (fmt.tag, fmt.bits) {
        case (formatPCM, 8), (formatPCM, 16), (formatPCM, 24), (formatPCM, 32), (formatFloat, 32), (formatFloat, 64):
            break
        default:
            throw AudioError.unsupportedWAV(path: path, reason: "format tag \(fmt.tag) with \(fmt.bits) bits (supported: PCM 8/16/24/32-bit, float 32/64-bit)")
        }
        let frameBytes = max(fmt.blockAlign, bytesPerSample * fmt.channels)
        let frameCount = range.count / frameBytes
        var mono = [Float](repeating: 0, count: frameCount)
        let scale = 1 / Float(fmt.channels)
        bytes.withUnsafeBufferPointer { source in
            mono.withUnsafeMutableBufferPointer { out in
                for frame in 0..<frameCount {
                    var sum: Float = 0
                    let frameStart = range.lowerBound + frame * frameBytes
                    for channel in 0..<fmt.channels {
                        let at = frameStart + channel * bytesPerSample
                        sum += decodeSample(source, at, tag: fmt.tag, bits: fmt.bits)
                    }
                    out[frame] = sum * scale
                }
            }
        }
        return MonoAudio(samples: mono, sampleRate: fmt.rate)
    }

    /// One sample scaled to [-1, 1).
    @inline(__always)
    private static func decodeSample(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, tag: UInt16, bits: Int) -> Float {
        if tag == formatFloat {
            if bits == 32 {
                let raw = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
                return Float(bitPattern: raw)
            }
            var raw: UInt64 = 0
            for k in 0..<8 { raw |= UInt64(b[at + k]) << (8 * UInt64(k)) }
            return Float(Double(bitPattern: raw))
        }
        switch bits {
        case 8:  // 8-bit WAV is unsigned with 128 as silence
            return (Float(b[at]) - 128) / 128
        case 16:
            return Float(Int16(bitPattern: UInt16(b[at]) | UInt16(b[at + 1]) << 8)) / 32768
        case 24:
            let raw = Int32(bitPattern: UInt32(b[at]) << 8 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 24)
            return Float(raw >> 8) / 8_388_608
        default:
            let raw = Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
            return Float(Double(raw) / 2_147_483_648)
        }
    }

    private static func fourCC(_ b: [UInt8], _ at: Int) -> String {
        String(decoding: b[at..<(at + 4)], as: UTF8.self)
    }

    private static func readUInt16(_ b: [UInt8], _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    private static func readUInt32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
