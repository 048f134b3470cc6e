/// Input and output extents of one pooling call, validated, and the windows that
/// cover an input voxel (what every gather-style backward visits).
struct PoolGeometry {
    /// [N*C volumes] x D x H x W, for input and output.
    struct Extent {
        let volumes: Int, d: Int, h: Int, w: Int
        var spatial: Int { d * h * w }
        /// (volume, d, h, w) of a flat NCDHW index.
        @inline(__always)
        func split(_ flat: Int) -> (Int, Int, Int, Int) {
            let w0 = flat % w, rest = flat / w
            return (rest / (h * d), (rest / h) % d, rest % h, w0)
        }
    }

    let descriptor: PoolingDescriptor
    let input: Extent, output: Extent

    init(_ descriptor: PoolingDescriptor, input x: Tensor, output y: Tensor, op: String) throws {
        let dims = try VolumeDims(x, op: op)
        let expected = try descriptor.outputShape(for: x.shape)
        try requireTensorShape(y, expected, op: "\(op) \(descriptor.description) of \(x.shape)", name: "output")
        guard dims.spatial <= 1 << 24 else {
            throw EngineError.invalidArgument("\(op): a volume of \(dims.spatial) voxels exceeds the 2^24 that float argmax indices hold exactly")
        }
        self.descriptor = descriptor
        input = Extent(volumes: dims.n * dims.c, d: dims.d, h: dims.h, w: dims.w)
        output = Extent(volumes: dims.n * dims.c, d: expected[2], h: expected[3], w: expected[4])
    }

    /// Output positions o along one axis whose window o * stride - padding ..< + kernel contains i.
    static func windows(containing i: Int, kernel: Int, stride: Int, padding: Int, outputs: Int) -> ClosedRange<Int>? {
        let shifted = i + padding
        let first = max(0, shifted - kernel + stride) / stride  // ceil((shifted - kernel + 1) / stride), clamped at 0
        let last = min(outputs - 1, shifted / stride)
        return first <= last ? first...last : nil
    }

    /// Calls `body` with the flat in-volume index of every output window containing
    /// input voxel (d, h, w), in ascending order.
    @inline(__always)
    func forEachWindow(containing voxel: (Int, Int, Int), _ body: (Int) -> Void) {
        let p = descriptor
        guard let ds = Self.windows(containing: voxel.0, kernel: p.kernel.d, stride: p.stride.d, padding: p.padding.d, outputs: output.d),
              let hs = Self.windows(containing: voxel.1, kernel: p.kernel.h, stride: p.stride.h, padding: p.padding.h, outputs: output.h),
              let ws = Self.windows(containing: voxel.2, kernel: p.kernel.w, stride: p.stride.w, padding: p.padding.w, outputs: output.w)
        else { return }
        for od in ds { for oh in hs { for ow in ws { body((od * output.h + oh) * output.w + ow) } } }
    }
}
