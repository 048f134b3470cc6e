import MCKDEngine

/// What the PyTorch twin (Benchmarks/peers/torch_twin.py) must build to time the
/// same work as a bench row: an op name it knows, the tensor shapes and the op's
/// integer and real options. The bench writes these out, so the twin cannot drift.
struct TwinSpec: Codable {
    var op: String
    var shapes: [String: [Int]] = [:]
    var options: [String: Double] = [:]

    /// A convolution (forward, backward-data or backward-filter; plain or transposed).
    static func convolution(_ op: String, _ d: Conv3DDescriptor, input: Shape) -> TwinSpec {
        TwinSpec(op: op, shapes: ["input": input.dims,
                                  "weight": (op.hasPrefix("conv_transpose") ? d.transposedWeightShape : d.weightShape).dims,
                                  "stride": d.stride.values, "padding": d.padding.values, "dilation": d.dilation.values])
    }
}
