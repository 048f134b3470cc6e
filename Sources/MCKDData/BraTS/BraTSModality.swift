/// The four BraTS MRI contrasts, in the project's fixed channel order
/// (method.md section 2: 0 FLAIR, 1 T1, 2 T1ce, 3 T2).
public enum BraTSModality: Int, CaseIterable, Sendable {
    case flair = 0, t1 = 1, t1ce = 2, t2 = 3

    /// File-name suffix used by the BraTS releases (`<case>_<suffix>.nii.gz`).
    public var fileSuffix: String {
        switch self {
        case .flair: return "flair"
        case .t1: return "t1"
        case .t1ce: return "t1ce"
        case .t2: return "t2"
        }
    }

    /// File-name suffix of BraTS 2023 (`<case>-<suffix>.nii.gz`): T2-FLAIR, T1 native,
    /// T1 post-contrast, T2-weighted.
    public var brats2023Suffix: String {
        switch self {
        case .flair: return "t2f"
        case .t1: return "t1n"
        case .t1ce: return "t1c"
        case .t2: return "t2w"
        }
    }

    /// The modality named by a BraTS 2018-2021 or 2023 suffix (`flair`, `t2f`, ...).
    public init?(fileSuffix: String) {
        guard let found = Self.allCases.first(where: { $0.fileSuffix == fileSuffix || $0.brats2023Suffix == fileSuffix }) else { return nil }
        self = found
    }

    /// The name in logs, tables and figures: FLAIR, T1, T1ce, T2.
    public var displayName: String {
        switch self {
        case .flair: return "FLAIR"
        case .t1: return "T1"
        case .t1ce: return "T1ce"
        case .t2: return "T2"
        }
    }

    /// Suffix of the label file.
    public static let segmentationSuffix = "seg"
}

/// A case on disk or in memory that may lack some modalities.
public protocol BraTSModalityHolder {
    /// The modalities it has, in channel order.
    var availableModalities: [BraTSModality] { get }
}

extension BraTSModalityHolder {
    /// Whether it has all four modalities.
    public var isComplete: Bool { availableModalities.count == BraTSModality.allCases.count }
}
