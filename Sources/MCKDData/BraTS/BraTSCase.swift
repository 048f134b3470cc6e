import Foundation

/// One BraTS case on disk: its four modality files and, unless it comes from a
/// validation release, its label file.
public struct BraTSCase: Sendable, Equatable {
    /// Case identifier (the folder name, e.g. `Brats18_2013_2_1`).
    public let id: String
    /// `HGG` / `LGG` for the 2018/2019 layout, nil for the flat 2020 layout.
    public let grade: String?
    /// Folder holding the case's files.
    public let directory: URL
    /// Modality files in channel order FLAIR, T1, T1ce, T2.
    public let modalityFiles: [URL]
    /// Label file, nil for predict-only cases.
    public let segmentationFile: URL?

    /// True when the case has labels (can be used for training or scoring).
    public var hasSegmentation: Bool { segmentationFile != nil }

    /// Describes a case folder; `modalityFiles` must hold four files in channel order.
    public init(id: String, grade: String?, directory: URL, modalityFiles: [URL], segmentationFile: URL?) {
        self.id = id
        self.grade = grade
        self.directory = directory
        self.modalityFiles = modalityFiles
        self.segmentationFile = segmentationFile
    }
}
