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

    /// Decompresses a gzip stream (several concatenated members are allowed).
    /// `file` names the source in error messages.
    public static func decompress(_ input: Data, file: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NIfTIError(.gzipCorrupted, file: file, "cannot initialise zlib inflate")
        }
        defer { inflateEnd(&stream) }

        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.bindMemory(to: Bytef.self).baseAddress, raw.count > 0 else {
                throw NIfTIError(.gzipCorrupted, file: file, "gzip stream is empty")
            }
            // zlib counts input in 32-bit units.
            guard raw.count <= Int(uInt.max) else {
                throw NIfTIError(.gzipCorrupted, file: file, "compressed file is over 4 GiB, more than this reader handles")
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(raw.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (as `cat a.gz b.gz` makes).
                    if stream.avail_in == 0 { return }
                    guard inflateReset(&stream) == Z_OK else {
                        throw NIfTIError(.gzipCorrupted, file: file, "cannot restart zlib for the next gzip member")
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    if stream.avail_in == 0 && produced == 0 {
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
}
