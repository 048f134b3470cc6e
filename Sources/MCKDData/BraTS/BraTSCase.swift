import Foundation

/// One BraTS case on disk: the modality files it has and, unless it comes from a
/// validation release, its label file. A modality whose file does not exist is
/// missing for this case (never acquired), not an error.
public struct BraTSCase: Sendable, Equatable, BraTSModalityHolder {
    /// Case identifier (the folder name, e.g. `Brats18_2013_2_1`, or the Decathlon file name).
    public let id: String
    /// `HGG` / `LGG` for the 2018/2019 layout, nil otherwise.
    public let grade: String?
    /// Folder holding the case's files.
    public let directory: URL
    /// One entry per modality in channel order FLAIR, T1, T1ce, T2: its file, nil when
    /// the case has none (all nil for a `stackedImageFile` case).
    public let modalityFiles: [URL?]
    /// A Decathlon case: one 4-D file with the four modalities as channels (FLAIR, T1w, T1gd, T2w).
    public let stackedImageFile: URL?
    /// Label file, nil for predict-only cases.
    public let segmentationFile: URL?
    /// How the label file numbers the regions.
    public let labelConvention: BraTSLabelConvention

    /// True when the case has labels (can be used for training or scoring).
    public var hasSegmentation: Bool { segmentationFile != nil }

    /// The modalities whose images the case has, in channel order.
    public var availableModalities: [BraTSModality] {
        stackedImageFile != nil ? BraTSModality.allCases : BraTSModality.allCases.filter { modalityFiles[$0.rawValue] != nil }
    }

    /// A case of one file per modality; `modalityFiles` holds four entries in channel order, nil for an absent one.
    public init(id: String, grade: String?, directory: URL, modalityFiles: [URL?], segmentationFile: URL?,
                labelConvention: BraTSLabelConvention = .brats) {
        precondition(modalityFiles.count == BraTSModality.allCases.count, "one entry per modality")
        self.id = id
        self.grade = grade
        self.directory = directory
        self.modalityFiles = modalityFiles
        self.stackedImageFile = nil
        self.segmentationFile = segmentationFile
        self.labelConvention = labelConvention
    }

    /// A Decathlon Task01 case: one 4-D image, its labels in the Decathlon numbering.
    public init(id: String, directory: URL, stackedImageFile: URL, segmentationFile: URL?) {
        self.id = id
        self.grade = nil
        self.directory = directory
        self.modalityFiles = Array(repeating: nil, count: BraTSModality.allCases.count)
        self.stackedImageFile = stackedImageFile
        self.segmentationFile = segmentationFile
        self.labelConvention = .decathlon
    }

    /// The same case without its label file (prediction does not read labels).
    public func withoutSegmentation() -> BraTSCase {
        if let stackedImageFile { return BraTSCase(id: id, directory: directory, stackedImageFile: stackedImageFile, segmentationFile: nil) }
        return BraTSCase(id: id, grade: grade, directory: directory, modalityFiles: modalityFiles, segmentationFile: nil,
                         labelConvention: labelConvention)
    }
}
