/// Three extents along depth, height and width: a kernel, stride, padding or dilation
/// of a convolution, a pooling window, an upsampling scale. An integer literal means
/// the same value on every axis.
public struct VolumeTriple: Equatable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var d: Int, h: Int, w: Int

    public init(_ d: Int, _ h: Int, _ w: Int) {
        self.d = d
        self.h = h
        self.w = w
    }

    /// The same extent along all three axes.
    public init(all value: Int) { self.init(value, value, value) }
    public init(integerLiteral value: Int) { self.init(value, value, value) }

    /// The values in (depth, height, width) order.
    public var values: [Int] { [d, h, w] }
    public var product: Int { d * h * w }
    public var description: String { d == h && h == w ? "\(d)" : "(\(d),\(h),\(w))" }
}

/// The axes of an NCDHW tensor, validated once per op so messages name the op.
struct VolumeDims: Equatable {
    let n: Int, c: Int, d: Int, h: Int, w: Int

    init(_ tensor: Tensor, op: String, name: String = "input") throws {
        try self.init(tensor.shape, op: op, name: name)
    }

    init(_ shape: Shape, op: String, name: String = "input") throws {
        guard shape.rank == 5 else {
            throw EngineError.shapeMismatch("\(op): \(name) must be NCDHW (rank 5), got \(shape)")
        }
        let dims = shape.dims
        (n, c, d, h, w) = (dims[0], dims[1], dims[2], dims[3], dims[4])
    }

    init(n: Int, c: Int, d: Int, h: Int, w: Int) {
        (self.n, self.c, self.d, self.h, self.w) = (n, c, d, h, w)
    }

    /// Voxels of one (sample, channel) volume.
    var spatial: Int { d * h * w }
    var shape: Shape { Shape(n, c, d, h, w) }
}

/// Throws unless `tensor` has exactly `expected` as its shape.
func requireTensorShape(_ tensor: Tensor, _ expected: Shape, op: String, name: String) throws {
    guard tensor.shape == expected else {
        throw EngineError.shapeMismatch("\(op): \(name) must be \(expected), got \(tensor.shape)")
    }
}
