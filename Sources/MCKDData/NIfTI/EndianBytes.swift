import Foundation

/// Reads fixed-size numbers at byte offsets of a buffer in a chosen byte order.
/// The caller checks bounds first (the header is read only after its length is known).
struct EndianByteReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func uint16(_ offset: Int) -> UInt16 {
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? (a << 8 | b) : (b << 8 | a)
    }

    func uint32(_ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = UInt32(bytes[offset + (bigEndian ? k : 3 - k)])
            value = value << 8 | byte
        }
        return value
    }

    func uint64(_ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<8 {
            let byte = UInt64(bytes[offset + (bigEndian ? k : 7 - k)])
            value = value << 8 | byte
        }
        return value
    }

    func int8(_ offset: Int) -> Int8 { Int8(bitPattern: bytes[offset]) }
    func int16(_ offset: Int) -> Int16 { Int16(bitPattern: uint16(offset)) }
    func int32(_ offset: Int) -> Int32 { Int32(bitPattern: uint32(offset)) }
    func int64(_ offset: Int) -> Int64 { Int64(bitPattern: uint64(offset)) }
    func float32(_ offset: Int) -> Float { Float(bitPattern: uint32(offset)) }
    func float64(_ offset: Int) -> Double { Double(bitPattern: uint64(offset)) }

    /// A NUL-terminated (or full-length) ASCII field.
    func string(_ offset: Int, length: Int) -> String {
        let field = bytes[offset..<(offset + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[..<end], as: UTF8.self)
    }
}

/// Writes little-endian numbers into a zero-filled buffer at byte offsets.
struct LittleEndianByteWriter {
    private(set) var bytes: [UInt8]

    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { raw in
            for k in 0..<raw.count { bytes[offset + k] = raw[k] }
        }
    }

    mutating func putFloat32(_ value: Float, at offset: Int) { put(value.bitPattern, at: offset) }
    mutating func putFloat64(_ value: Double, at offset: Int) { put(value.bitPattern, at: offset) }

    /// ASCII field, truncated to `length - 1` bytes so it stays NUL-terminated.
    mutating func putString(_ value: String, at offset: Int, length: Int) {
        let utf8 = Array(value.utf8.prefix(length - 1))
        for (k, byte) in utf8.enumerated() { bytes[offset + k] = byte }
    }

    mutating func putBytes(_ value: [UInt8], at offset: Int) {
        for (k, byte) in value.enumerated() { bytes[offset + k] = byte }
    }
}
