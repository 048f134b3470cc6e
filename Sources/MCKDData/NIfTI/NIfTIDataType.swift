/// The on-disk voxel types this reader and writer support (NIfTI datatype codes).
public enum NIfTIDataType: Int16, CaseIterable, Sendable {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case int8 = 256
    case uint16 = 512
    case uint32 = 768
    case int64 = 1024

    /// Bytes per voxel on disk.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64: return 8
        }
    }

    /// The NIfTI `bitpix` field for this type.
    public var bitsPerVoxel: Int16 { Int16(byteSize * 8) }

    /// True for the integer types, whose written values must be rounded and range-checked.
    public var isInteger: Bool { self != .float32 && self != .float64 }

    /// Lowest and highest value an integer type can hold (nil for floating-point types).
    public var integerRange: ClosedRange<Double>? {
        switch self {
        case .uint8: return 0...255
        case .int8: return -128...127
        case .int16: return -32768...32767
        case .uint16: return 0...65535
        case .int32: return -2147483648...2147483647
        case .uint32: return 0...4294967295
        // Doubles near 2^63 round up; keep the range strictly inside Int64.
        case .int64: return -9.2233720368547748e18...9.2233720368547748e18
        case .float32, .float64: return nil
        }
    }

    /// Short lower-case name (as numpy/nibabel spell it).
    public var name: String { String(describing: self) }
}
