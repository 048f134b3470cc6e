import MCKDEngine

/// The sizes of the segmentation network: `--arch small` (the CPU default, widths are
/// options) or `--arch paper` (the fixed ~43.7M-parameter ResNet-50-3D + ASPP model of
/// method.md section 7).
public struct SegmentationArchitecture: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case small
        case paper
    }

    public var kind: Kind
    /// Feature widths per encoder level, shallowest first; the last is the bottleneck's.
    /// Chosen freely for `small` (which also decodes at these widths); for `paper` the
    /// paper's [64, 256, 512, 1024, 256], or those divided by a common factor (narrowed
    /// variants of the same topology, for tests).
    public var channels: [Int]
    public var modalities: Int
    public var outputChannels: Int
    public var standardizeWeights: Bool
    /// Fill in missing modalities' skip features too (mean of the sample's available
    /// slots, as for the bottleneck). Off by default: the reference's decoder sees the
    /// encoder's response to the zeroed input there (method.md section 2's option).
    public var fillSkips = false

    /// The CPU-sized default: three levels of 8, 16 and 32 channels, 4 modalities, 3 outputs (ET, WT, TC).
    public static let small = SegmentationArchitecture(channels: [8, 16, 32], modalities: 4, outputChannels: 3, standardizeWeights: true)

    /// The paper model: skips from the stem (64), layer1 (256), layer2 (512) and layer3
    /// (1024) of the 3D ResNet-50, and the ASPP's 256-channel bottleneck.
    public static let paper = try! SegmentationArchitecture.paper(widthDivisor: 1)

    /// The paper model's topology with every width divided by `widthDivisor` (tests).
    public static func paper(widthDivisor: Int) throws -> SegmentationArchitecture {
        SegmentationArchitecture(kind: .paper, channels: try PaperModelLayout(widthDivisor: widthDivisor).featureChannels,
                                 modalities: 4, outputChannels: 3, standardizeWeights: true)
    }

    public init(kind: Kind = .small, channels: [Int], modalities: Int, outputChannels: Int, standardizeWeights: Bool) {
        self.kind = kind
        self.channels = channels
        self.modalities = modalities
        self.outputChannels = outputChannels
        self.standardizeWeights = standardizeWeights
    }

    /// Crop sides (D, H, W) must be divisible by these: small halves every axis per level;
    /// paper's stem halves H and W only, then the pool and layers 2-4 halve all axes.
    public var cropMultiples: [Int] {
        switch kind {
        case .small: return Array(repeating: 1 << (channels.count - 1), count: 3)
        case .paper: return PaperModelLayout.cropMultiples
        }
    }

    /// Throws a clear error unless `crop` (D, H, W) fits this architecture.
    public func checkCrop(_ crop: [Int]) throws {
        let multiples = cropMultiples
        guard crop.count == 3, zip(crop, multiples).allSatisfy({ $0 > 0 && $0 % $1 == 0 }) else {
            let rule = Set(multiples).count == 1 ? "every side a positive multiple of \(multiples[0])"
                : "D a positive multiple of \(multiples[0]), H of \(multiples[1]), W of \(multiples[2])"
            throw EngineError.shapeMismatch("crop \(crop.map(String.init).joined(separator: ",")) does not fit --arch \(kind.rawValue), "
                                            + "which needs 3 sides D,H,W with \(rule)")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, channels, modalities, outputChannels, standardizeWeights, fillSkips
    }

    /// Configurations written before `kind` existed are small models.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .small
        channels = try container.decode([Int].self, forKey: .channels)
        modalities = try container.decode(Int.self, forKey: .modalities)
        outputChannels = try container.decode(Int.self, forKey: .outputChannels)
        standardizeWeights = try container.decode(Bool.self, forKey: .standardizeWeights)
        fillSkips = try container.decodeIfPresent(Bool.self, forKey: .fillSkips) ?? false
    }

    /// `kind` is written only for non-small models and `fillSkips` only when set, so a
    /// default small run's configuration (and the checkpoints that embed it) keeps the
    /// form of earlier versions.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if kind != .small { try container.encode(kind, forKey: .kind) }
        try container.encode(channels, forKey: .channels)
        try container.encode(modalities, forKey: .modalities)
        try container.encode(outputChannels, forKey: .outputChannels)
        try container.encode(standardizeWeights, forKey: .standardizeWeights)
        if fillSkips { try container.encode(fillSkips, forKey: .fillSkips) }
    }
}
