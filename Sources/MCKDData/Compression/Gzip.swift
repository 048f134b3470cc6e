import CZlib
import Foundation

/// gzip compression and decompression through zlib, streamed in fixed-size
/// chunks so neither side has to know the other's size in advance. Shared by the
/// NIfTI reader/writer and the MNIST CSV reader; failures are reported as
/// `NIfTIError` kinds `.gzipCorrupted` / `.writeFailed` naming the file.
public enum Gzip {
    /// gzip wrapper (16) on top of the largest deflate window (15).
    private static let gzipWindowBits: Int32 = 15 + 16
    private static let chunkSize = 1 << 18

    /// True when `data` starts with the gzip magic bytes 1f 8b.
    public static func looksCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// Decompresses a whole gzip stream (several concatenated members are allowed).
    /// `file` names the source in error messages. More than `limit` bytes of output
    /// is an error: a few kilobytes of gzip can inflate to gigabytes (a "gzip bomb").
    public static func decompress(_ input: Data, file: String, limit: Int = 1 << 30) throws -> Data {
        let inflater = try GzipInflater(input, file: file)
        let output = try inflater.read(upTo: limit)
        if !inflater.finished, try !inflater.read(upTo: 1).isEmpty {
            throw NIfTIError(.valueOutOfRange, file: file, "gzip data inflates to more than \(limit) bytes, this reader's limit")
        }
        return Data(output)
    }

    /// Compresses `input` into a single gzip member. The gzip header carries no
    /// timestamp, so equal input gives byte-identical output.
    public static func compress(_ input: Data, level: Int32 = 6, file: String) throws -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NIfTIError(.writeFailed, file: file, "cannot initialise zlib deflate")
        }
        defer { deflateEnd(&stream) }

        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard raw.count <= Int(uInt.max) else {
                throw NIfTIError(.writeFailed, file: file, "image is over 4 GiB, more than this writer compresses; write .nii")
            }
            let base = raw.bindMemory(to: Bytef.self).baseAddress
            stream.next_in = base.map { UnsafeMutablePointer(mutating: $0) }
            stream.avail_in = uInt(raw.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return deflate(&stream, Z_FINISH)
                }
                output.append(contentsOf: chunk[0..<(chunkSize - Int(stream.avail_out))])
                if status == Z_STREAM_END { return }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw NIfTIError(.writeFailed, file: file, "zlib deflate failed with status \(status)")
                }
            }
        }
        return output
    }

    private func startsMember(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        offset + 1 < raw.count && raw[offset] == 0x1f && raw[offset + 1] == 0x8b
    }
}

/// Inflates a gzip stream on demand: `read(upTo:)` produces only as many bytes as
/// asked for, so a reader that knows from a header how much it needs never inflates
/// the rest (trailing data, or a bomb's gigabytes, are never produced).
public final class GzipInflater {
    private static let windowBits: Int32 = 15 + 16
    private static let chunkSize = 1 << 18
    private let input: Data
    private let file: String
    private var stream = z_stream()
    /// Input bytes zlib has consumed so far.
    private var consumed = 0
    /// True once the last gzip member ended with no input left.
    public private(set) var finished = false

    public init(_ input: Data, file: String) throws {
        guard !input.isEmpty else { throw NIfTIError(.gzipCorrupted, file: file, "gzip stream is empty") }
        // zlib counts input in 32-bit units.
        guard input.count <= Int(uInt.max) else {
            throw NIfTIError(.gzipCorrupted, file: file, "compressed file is over 4 GiB, more than this reader handles")
        }
        self.input = input
        self.file = file
        guard inflateInit2_(&stream, Self.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NIfTIError(.gzipCorrupted, file: file, "cannot initialise zlib inflate")
        }
    }

    deinit { inflateEnd(&stream) }

    /// The next bytes of the decompressed stream, at most `count`; fewer only where the
    /// stream ends. A truncated or corrupt stream throws.
    public func read(upTo count: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.bindMemory(to: Bytef.self).baseAddress!
            while output.count < count && !finished {
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = uInt(input.count - consumed)
                let wanted = min(Self.chunkSize, count - output.count)
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(wanted)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                consumed = input.count - Int(stream.avail_in)
                let produced = wanted - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (as `cat a.gz b.gz` makes); bytes
                    // that do not start one are trailing garbage, ignored as gzip does.
                    if consumed == input.count || !startsMember(raw, at: consumed) {
                        finished = true
                    } else if inflateReset(&stream) != Z_OK {
                        throw NIfTIError(.gzipCorrupted, file: file, "cannot restart zlib for the next gzip member")
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    if consumed == input.count && produced == 0 {
                        throw NIfTIError(.gzipCorrupted, file: file, "gzip stream is truncated (ended before its end marker)")
                    }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw NIfTIError(.gzipCorrupted, file: file, "gzip data is corrupt: \(message)")
                }
            }
        }
        return output
    }

    private func startsMember(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        offset + 1 < raw.count && raw[offset] == 0x1f && raw[offset + 1] == 0x8b
    }
}
