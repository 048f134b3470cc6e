import CZlib
import Foundation

/// Decompresses gzip (or zlib) streams in memory with zlib's automatic header detection.
enum GzipBytesInflater {
    /// True when `bytes` start with the gzip magic number.
    static func isGzip(_ bytes: Data) -> Bool {
        bytes.count >= 2 && bytes[bytes.startIndex] == 0x1F && bytes[bytes.startIndex + 1] == 0x8B
    }

    /// Inflates a whole gzip stream (concatenated members included); `path` labels errors.
    static func inflate(_ compressed: Data, path: String) throws -> Data {
        var stream = z_stream()
        // 15 window bits + 32: accept gzip and zlib headers.
        let initStatus = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw AVMNISTError.badInput(path: path, reason: "zlib initialisation failed (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = [UInt8](compressed)
        let total = input.count
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(total)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = uInt(chunkBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw AVMNISTError.badInput(path: path, reason: "gzip data is corrupt (zlib status \(status))")
                    }
                    output.append(chunkBuffer.baseAddress!, count: chunkBuffer.count - Int(stream.avail_out))
                }
                // A gzip file may hold several members back to back.
                if status == Z_STREAM_END && stream.avail_in > 0 {
                    guard inflateReset(&stream) == Z_OK else { break }
                    status = Z_OK
                }
            } while status != Z_STREAM_END
        }
        guard status == Z_STREAM_END else {
            throw AVMNISTError.badInput(path: path, reason: "gzip stream is truncated")
        }
        return output
    }
}
