import Foundation

/// Converts voxel bytes to scaled values and back. Hot loops work on raw
/// buffers: a 240x240x155x4 BraTS case is 36 M voxels.
enum NIfTIVoxelCodec {
    /// Decodes `count` voxels of `type` starting at `offset` in `bytes`, applying
    /// value = stored * slope + inter when `scaling` is given.
    static func decode<T: BinaryFloatingPoint>(_ bytes: [UInt8], offset: Int, count: Int, type: NIfTIDataType,
                                               bigEndian: Bool, scaling: (slope: Double, inter: Double)?,
                                               as: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { output, initialised in
            bytes.withUnsafeBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count * type.byteSize)])
                switch type {
                case .uint8: convert(source, UInt8.self, bigEndian, output)
                case .int8: convert(source, Int8.self, bigEndian, output)
                case .int16: convert(source, Int16.self, bigEndian, output)
                case .uint16: convert(source, UInt16.self, bigEndian, output)
                case .int32: convert(source, Int32.self, bigEndian, output)
                case .uint32: convert(source, UInt32.self, bigEndian, output)
                case .int64: convert(source, Int64.self, bigEndian, output)
                case .float32:
                    for k in 0..<count {
                        var bits = source.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)
                        bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                        output[k] = T(Float(bitPattern: bits))
                    }
                case .float64:
                    for k in 0..<count {
                        var bits = source.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self)
                        bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                        output[k] = T(Double(bitPattern: bits))
                    }
                }
            }
            if let (slope, inter) = scaling {
                for k in 0..<count { output[k] = T(Double(output[k]) * slope + inter) }
            }
            initialised = count
        }
    }

    private static func convert<I: FixedWidthInteger, T: BinaryFloatingPoint>(
        _ source: UnsafeRawBufferPointer, _: I.Type, _ bigEndian: Bool, _ output: UnsafeMutableBufferPointer<T>
    ) {
        let size = MemoryLayout<I>.size
        for k in 0..<output.count {
            let stored = source.loadUnaligned(fromByteOffset: k * size, as: I.self)
            output[k] = T(bigEndian ? I(bigEndian: stored) : I(littleEndian: stored))
        }
    }

    /// Encodes values little-endian as `type`, inverting the scaling first.
    /// Integer types round to nearest and reject values outside their range or NaN.
    static func encode<T: BinaryFloatingPoint>(_ values: [T], type: NIfTIDataType,
                                               scaling: (slope: Double, inter: Double)?, file: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count * type.byteSize)
        var firstBad: Int? = nil
        let range = type.integerRange
        bytes.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { input in
                for k in 0..<input.count {
                    var stored = Double(input[k])
                    if let (slope, inter) = scaling { stored = (stored - inter) / slope }
                    if let range {
                        stored = stored.rounded()
                        guard range.contains(stored) else {  // also false for NaN
                            if firstBad == nil { firstBad = k }
                            continue
                        }
                    }
                    let at = k * type.byteSize
                    switch type {
                    case .uint8: raw.storeBytes(of: UInt8(stored), toByteOffset: at, as: UInt8.self)
                    case .int8: raw.storeBytes(of: Int8(stored), toByteOffset: at, as: Int8.self)
                    case .int16: raw.storeBytes(of: Int16(stored).littleEndian, toByteOffset: at, as: Int16.self)
                    case .uint16: raw.storeBytes(of: UInt16(stored).littleEndian, toByteOffset: at, as: UInt16.self)
                    case .int32: raw.storeBytes(of: Int32(stored).littleEndian, toByteOffset: at, as: Int32.self)
                    case .uint32: raw.storeBytes(of: UInt32(stored).littleEndian, toByteOffset: at, as: UInt32.self)
                    case .int64: raw.storeBytes(of: Int64(stored).littleEndian, toByteOffset: at, as: Int64.self)
                    case .float32: raw.storeBytes(of: Float(stored).bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
                    case .float64: raw.storeBytes(of: stored.bitPattern.littleEndian, toByteOffset: at, as: UInt64.self)
                    }
                }
            }
        }
        if let bad = firstBad {
            throw NIfTIError(.valueOutOfRange, file: file,
                             "voxel \(bad) has value \(values[bad]), which \(type.name) cannot store (after scaling)")
        }
        return bytes
    }
}
