import MCKDEngine

extension Array where Element == Parameter {
    /// The number of scalars in these parameters.
    var scalarCount: Int { reduce(0) { $0 + $1.count } }
}

extension Shape {
    /// "C x D x H x W" of an NCDHW shape, the batch axis left out (summaries).
    var perSampleDescription: String { dims.dropFirst().map(String.init).joined(separator: "x") }
}
