/// Tissue classes of the synthetic BraTS-like phantom, with the relative
/// intensity table of docs/data.md (values before noise, bias field and gain).
public enum PhantomTissue: UInt8, CaseIterable, Sendable {
    case background = 0
    case whiteMatter
    case greyMatter
    case csf
    case oedema      // BraTS label 2
    case necrosis    // BraTS label 1
    case enhancing   // BraTS label 4

    /// Relative intensity of this tissue in a modality (background is 0).
    public func relativeIntensity(in modality: BraTSModality) -> Double {
        // Columns: FLAIR, T1, T1ce, T2 (channel order).
        let row: [Double]
        switch self {
        case .background: return 0
        case .whiteMatter: row = [0.6, 1.0, 1.0, 0.5]
        case .greyMatter: row = [0.8, 0.7, 0.7, 0.7]
        case .csf: row = [0.2, 0.3, 0.3, 1.2]
        case .oedema: row = [1.3, 0.6, 0.65, 1.1]
        case .necrosis: row = [0.9, 0.4, 0.35, 1.3]
        case .enhancing: row = [1.1, 0.7, 1.5, 0.9]
        }
        return row[modality.rawValue]
    }

    /// The BraTS label of this tissue (0 for healthy tissue and background).
    public var label: UInt8 {
        switch self {
        case .oedema: return 2
        case .necrosis: return 1
        case .enhancing: return 4
        default: return 0
        }
    }
}
