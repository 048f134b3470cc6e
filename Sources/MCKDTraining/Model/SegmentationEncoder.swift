import MCKDEngine

/// The encoder half of a segmentation model, shared by all modalities: what
/// SegmentationModel needs from it, so the small and the paper encoders plug in alike.
public protocol SegmentationEncoder: AnyObject {
    var parameters: [Parameter] { get }
    func setTraining(_ training: Bool)
    /// input [B, 1, D, H, W] (B = N*M) -> every level's features, shallowest first; the
    /// last is the bottleneck, the others are the decoder's skips.
    func forward(_ x: Tensor) throws -> [Tensor]
    /// Back-propagates the gradients of every level's output into the parameters; the
    /// image itself receives none.
    func backward(_ gradients: [Tensor]) throws
    /// Every level's feature shape for an input shape, without running anything.
    func featureShapes(forInput input: Shape) throws -> [Shape]
    /// Per level: its name, its layers (repeated blocks grouped) and its parameter count.
    var levelSummaries: [(name: String, layers: String, parameters: Int)] { get }
}

/// The decoder half: fused (channel-concatenated) modality features in, logits out.
public protocol SegmentationDecoder: AnyObject {
    var parameters: [Parameter] { get }
    func setTraining(_ training: Bool)
    /// fused: [N, M*c_i, ...] per encoder level, shallowest first -> logits [N, outputs, D, H, W].
    func forward(_ fused: [Tensor]) throws -> Tensor
    /// Gradients for each fused level input, shallowest first.
    func backward(_ gradLogits: Tensor) throws -> [Tensor]
    /// One line per stage (layers, output shape without the batch axis, parameters) for
    /// the given fused shapes.
    func summaryLines(fusedShapes: [Shape]) throws -> [String]
}

extension Array where Element == Parameter {
    /// The number of scalars in these parameters.
    var scalarCount: Int { reduce(0) { $0 + $1.count } }
}

extension Shape {
    /// "C x D x H x W" of an NCDHW shape, the batch axis left out (summaries).
    var perSampleDescription: String { dims.dropFirst().map(String.init).joined(separator: "x") }
}
