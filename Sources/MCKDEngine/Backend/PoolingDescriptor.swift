/// A 3D pooling window: kernel, stride and zero padding per axis (floor mode, as
/// PyTorch's default). Padded positions never win a max.
public struct PoolingDescriptor: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var kernel: VolumeTriple
    public var stride: VolumeTriple
    public var padding: VolumeTriple

    /// - Parameters:
    ///   - kernel: the window's extent per axis (D, H, W).
    ///   - stride: step of the window per axis.
    ///   - padding: positions added on both sides of each axis (never the max).
    public init(kernel: VolumeTriple, stride: VolumeTriple, padding: VolumeTriple = VolumeTriple(all: 0)) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// The output shape for an NCDHW input: floor((in + 2 * pad - kernel) / stride) + 1 per axis.
    public func outputShape(for input: Shape) throws -> Shape {
        guard input.rank == 5 else { throw EngineError.shapeMismatch("pooling \(self): input must be NCDHW, got \(input)") }
        var dims = Array(input.dims.prefix(2))
        for (axis, (k, s, p)) in zip(kernel.values, zip(stride.values, padding.values)).map({ ($0, $1.0, $1.1) }).enumerated() {
            guard k >= 1, s >= 1, p >= 0, p <= k / 2 else {
                throw EngineError.invalidArgument("pooling \(self): need kernel >= 1, stride >= 1 and 0 <= padding <= kernel / 2")
            }
            let extent = input.dims[2 + axis] + 2 * p - k
            guard extent >= 0 else {
                throw EngineError.invalidArgument("pooling \(self): window larger than the padded input \(input)")
            }
            dims.append(extent / s + 1)
        }
        return Shape(dims)
    }

    public var description: String { "kernel \(kernel) stride \(stride) padding \(padding)" }
}
