import CZlib
import Foundation

/// Writes `RasterImage`s as PNG (8-bit RGB / RGBA, no interlacing): signature, IHDR,
/// one zlib-compressed IDAT, IEND. Every row uses filter 0 (none): report images are
/// small and flat, and zlib alone compresses them well.
public enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file bytes of `image`.
    public static func encode(_ image: RasterImage) throws -> Data {
        var header = [UInt8]()
        header += bigEndian(UInt32(image.width))
        header += bigEndian(UInt32(image.height))
        header += [8, image.channels == 4 ? 6 : 2, 0, 0, 0]   // depth, colour type, deflate, filter set 0, no interlace

        let rowBytes = image.width * image.channels
        var scanlines = [UInt8]()
        scanlines.reserveCapacity(image.height * (rowBytes + 1))
        for y in 0..<image.height {
            scanlines.append(0)   // filter type: none
            scanlines += image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]
        }

        var file = Data(signature)
        file += chunk("IHDR", header)
        file += chunk("IDAT", try zlibCompress(scanlines))
        file += chunk("IEND", [])
        return file
    }

    /// `data:image/png;base64,...` for embedding in HTML.
    public static func dataURI(_ image: RasterImage) throws -> String {
        "data:image/png;base64," + (try encode(image)).base64EncodedString()
    }

    /// length, type, data, CRC-32 of type + data.
    static func chunk(_ type: String, _ data: [UInt8]) -> Data {
        let typeBytes = Array(type.utf8)
        var bytes = bigEndian(UInt32(data.count)) + typeBytes + data
        bytes += bigEndian(CRC32.checksum(typeBytes + data))
        return Data(bytes)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// The zlib stream (RFC 1950: header, deflate, Adler-32) PNG's IDAT holds.
    static func zlibCompress(_ input: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(input.count), 9)
            }
        }
        guard status == Z_OK else { throw ReportError.invalidImage("zlib compress2 failed with status \(status)") }
        return Array(output.prefix(Int(capacity)))
    }
}
