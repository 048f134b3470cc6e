/// How a release numbers its tumour regions, and the map to the BraTS 2018-2021 labels
/// the project uses everywhere (0 background, 1 necrosis / non-enhancing core,
/// 2 oedema, 4 enhancing tumour).
public enum BraTSLabelConvention: String, Codable, Sendable {
    /// BraTS 2018-2021: 0, 1, 2, 4 as they are.
    case brats
    /// BraTS 2023: 1 NCR, 2 ED, 3 ET; the enhancing tumour moved from 4 to 3.
    case brats2023
    /// Medical Segmentation Decathlon Task01: 1 oedema, 2 non-enhancing tumour,
    /// 3 enhancing tumour; so 1 -> 2, 2 -> 1, 3 -> 4.
    case decathlon

    /// The labels a file of this convention may hold, in order.
    public var fileLabels: [Int] { self == .brats ? [0, 1, 2, 4] : [0, 1, 2, 3] }

    /// The BraTS label of a stored value, nil when the convention has no such label.
    public func bratsLabel(_ value: Float) -> UInt8? {
        switch (self, value) {
        case (_, 0): return 0
        case (.brats, 1), (.brats2023, 1), (.decathlon, 2): return 1
        case (.brats, 2), (.brats2023, 2), (.decathlon, 1): return 2
        case (.brats, 4), (.brats2023, 3), (.decathlon, 3): return 4
        default: return nil
        }
    }

    /// For error messages: "BraTS 2023 labels are 0, 1, 2, 3".
    public var labelDescription: String {
        let name = switch self {
        case .brats: "BraTS"
        case .brats2023: "BraTS 2023"
        case .decathlon: "Decathlon Task01"
        }
        return "\(name) labels are " + fileLabels.map(String.init).joined(separator: ", ")
    }
}
