import MCKDEngine

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
