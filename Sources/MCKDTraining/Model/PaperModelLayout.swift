import MCKDEngine

/// The fixed sizes of the paper model (method.md section 7), in one place for the
/// encoder and decoder builders, the architecture's crop rule and the tests.
public enum PaperModelLayout {
    public static let stemChannels = 64
    /// The stem's 7^3 convolution halves H and W only.
    public static let stemStride = VolumeTriple(1, 2, 2)
    public static let stemKernel = 7
    /// ResNet-50's blocks per layer, with layer4 narrowed from 512 to 320 planes.
    public static let blocks = [3, 4, 6, 3]
    public static let planes = [64, 128, 256, 320]
    public static let strides = [1, 2, 2, 2]
    /// Width of the 1x1 conv after layer4 and of every ASPP branch (the bottleneck's).
    public static let bottleneckChannels = 256
    public static let asppDilations = [2, 4, 8]
    /// Decoder widths per level, shallowest first (stem, layer1, layer2, layer3).
    public static let decoderWidths = [32, 64, 128, 256]
    /// The logits come out at the stem's resolution and are upsampled back by this.
    public static let finalUpsample = VolumeTriple(1, 2, 2)

    /// Skip widths (stem, layer1, layer2, layer3) then the bottleneck's.
    public static var featureChannels: [Int] {
        [stemChannels] + planes.dropLast().map { $0 * Bottleneck.expansion } + [bottleneckChannels]
    }

    /// The stem halves H and W, the pool and layers 2-4 halve every axis four times.
    public static var cropMultiples: [Int] {
        let halvings = 1 + strides.filter { $0 == 2 }.count
        return [stemStride.d, stemStride.h, stemStride.w].map { $0 << halvings }
    }
}
