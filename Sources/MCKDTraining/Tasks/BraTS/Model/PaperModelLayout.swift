import MCKDEngine

/// The sizes of the paper model (method.md section 7), in one place for the encoder and
/// decoder builders, the architecture's crop rule and the tests. `widthDivisor` narrows
/// every width by the same factor (same topology): 1 is the paper model, larger values
/// give small variants for tests on the CPU reference.
public struct PaperModelLayout: Equatable, Sendable {
    public let widthDivisor: Int

    public init(widthDivisor: Int = 1) throws {
        guard widthDivisor >= 1, Self.fullWidths.allSatisfy({ $0 % widthDivisor == 0 }) else {
            throw EngineError.invalidArgument("paper model: width divisor \(widthDivisor) must divide every width \(Self.fullWidths)")
        }
        self.widthDivisor = widthDivisor
    }

    /// The layout whose feature widths are `channels`, if any.
    public init(featureChannels channels: [Int]) throws {
        guard let first = channels.first, first >= 1, Self.stemWidth % first == 0,
              let layout = try? PaperModelLayout(widthDivisor: Self.stemWidth / first), layout.featureChannels == channels else {
            let full = [Self.stemWidth] + Self.fullPlanes.dropLast().map { $0 * Bottleneck.expansion } + [Self.fullBottleneck]
            throw EngineError.invalidArgument("the paper architecture's widths are \(full) "
                                              + "(or those divided by a common factor), got \(channels)")
        }
        self = layout
    }

    private static let stemWidth = 64
    private static let fullPlanes = [64, 128, 256, 320]
    private static let fullBottleneck = 256
    private static let fullDecoder = [32, 64, 128, 256]
    private static var fullWidths: [Int] { [stemWidth, fullBottleneck] + fullPlanes + fullDecoder }

    public var stemChannels: Int { Self.stemWidth / widthDivisor }
    /// The stem's 7^3 convolution halves H and W only.
    public static let stemStride = VolumeTriple(1, 2, 2)
    public static let stemKernel = 7
    /// ResNet-50's blocks per layer, with layer4 narrowed from 512 to 320 planes.
    public static let blocks = [3, 4, 6, 3]
    public var planes: [Int] { Self.fullPlanes.map { $0 / widthDivisor } }
    public static let strides = [1, 2, 2, 2]
    /// Width of the 1x1 conv after layer4 and of every ASPP branch (the bottleneck's).
    public var bottleneckChannels: Int { Self.fullBottleneck / widthDivisor }
    public static let asppDilations = [2, 4, 8]
    /// Decoder widths per level, shallowest first (stem, layer1, layer2, layer3).
    public var decoderWidths: [Int] { Self.fullDecoder.map { $0 / widthDivisor } }
    /// The logits come out at the stem's resolution and are upsampled back by this.
    public static let finalUpsample = VolumeTriple(1, 2, 2)

    /// Skip widths (stem, layer1, layer2, layer3) then the bottleneck's.
    public var featureChannels: [Int] {
        [stemChannels] + planes.dropLast().map { $0 * Bottleneck.expansion } + [bottleneckChannels]
    }

    /// The stem halves H and W, the pool and layers 2-4 halve every axis four times.
    public static var cropMultiples: [Int] {
        let halvings = 1 + strides.filter { $0 == 2 }.count
        return [stemStride.d, stemStride.h, stemStride.w].map { $0 << halvings }
    }
}
