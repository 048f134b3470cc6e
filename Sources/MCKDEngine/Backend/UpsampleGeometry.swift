/// Validated extents of one upsampling call and the align_corners = true interpolation
/// along one axis, shared by both backends so they pick the same taps.
struct UpsampleGeometry {
    let volumes: Int
    let input: VolumeTriple, output: VolumeTriple

    init(scale: VolumeTriple, input x: Tensor, output y: Tensor, op: String) throws {
        let dims = try VolumeDims(x, op: op)
        try requireTensorShape(y, try scale.upsampled(x.shape), op: "\(op) by \(scale)", name: "output")
        volumes = dims.n * dims.c
        input = VolumeTriple(dims.d, dims.h, dims.w)
        output = VolumeTriple(dims.d * scale.d, dims.h * scale.h, dims.w * scale.w)
    }

    /// Source coordinate step (in - 1) / (out - 1), 0 when the output has one position.
    static func ratio(input: Int, output: Int) -> Float {
        output > 1 ? Float(input - 1) / Float(output - 1) : 0
    }
}

/// The two taps and the weight of the upper one for output position o along an axis.
@inline(__always)
func linearTaps<Scalar: BinaryFloatingPoint>(_ o: Int, ratio: Scalar, inputs: Int) -> (Int, Int, Scalar) {
    let source = Scalar(o) * ratio
    let lower = min(Int(source), inputs - 1)
    return (lower, min(lower + 1, inputs - 1), source - Scalar(lower))
}
