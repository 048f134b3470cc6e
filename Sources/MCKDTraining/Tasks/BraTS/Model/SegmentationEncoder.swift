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
