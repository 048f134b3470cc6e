import Foundation

/// Finds a case's files as the releases name them: BraTS 2018-2021
/// `<case>_{flair,t1,t1ce,t2,seg}`, BraTS 2023 `<case>-{t2f,t1n,t1c,t2w,seg}`, each
/// `.nii.gz` or `.nii`; or a Decathlon Task01 case, one 4-D file. Absent modality files
/// are allowed (the case lacks them); a case needs at least one.
public enum BraTSCaseFiles {
    /// File name endings read, in order of preference.
    public static let extensions = ["nii.gz", "nii"]

    /// The two BraTS namings: separator, modality suffixes in channel order, label convention.
    private static let namings: [(separator: String, suffixes: [String], labels: BraTSLabelConvention, release: String)] = [
        ("_", BraTSModality.allCases.map(\.fileSuffix), .brats, "BraTS 2018-2021"),
        ("-", BraTSModality.allCases.map(\.brats2023Suffix), .brats2023, "BraTS 2023"),
    ]

    /// The case at `url`: a case folder (either BraTS naming, the folder name being the
    /// case id) or one 4-D NIfTI file (a Decathlon case; its labels are not looked for).
    public static func describe(caseAt url: URL) throws -> BraTSCase {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw BraTSDataError(caseID: nil, "\(url.path) does not exist")
        }
        if isDirectory.boolValue { return try describe(folder: url, id: url.lastPathComponent, grade: nil) }
        guard let id = stem(of: url.lastPathComponent) else {
            throw BraTSDataError(caseID: nil, "\(url.path) is neither a case folder nor a .nii / .nii.gz file")
        }
        return BraTSCase(id: id, directory: url.deletingLastPathComponent(), stackedImageFile: url, segmentationFile: nil)
    }

    /// The case `id` in its folder, under whichever BraTS naming its files use.
    public static func describe(folder: URL, id: String, grade: String?) throws -> BraTSCase {
        let found = namings.map { naming in
            (naming, naming.suffixes.map { file(in: folder, name: "\(id)\(naming.separator)\($0)") })
        }
        let used = found.filter { $0.1.contains { $0 != nil } }
        guard used.count <= 1 else {
            let examples = used.compactMap { $0.1.compactMap { $0 }.first?.lastPathComponent }
            throw BraTSDataError(caseID: id, "\(folder.path) mixes BraTS 2018-2021 and BraTS 2023 file names (\(examples.joined(separator: ", "))); keep one naming per case")
        }
        guard let (naming, files) = used.first else {
            throw BraTSDataError(caseID: id, "no modality files in \(folder.path): expected \(id)_{flair,t1,t1ce,t2}.nii.gz "
                                 + "(BraTS 2018-2021) or \(id)-{t2f,t1n,t1c,t2w}.nii.gz (BraTS 2023), .nii or .nii.gz")
        }
        let segmentation = file(in: folder, name: "\(id)\(naming.separator)\(BraTSModality.segmentationSuffix)")
        return BraTSCase(id: id, grade: grade, directory: folder, modalityFiles: files, segmentationFile: segmentation,
                         labelConvention: naming.labels)
    }

    /// `<name>.nii.gz`, else `<name>.nii`, else nil.
    static func file(in directory: URL, name: String) -> URL? {
        for ext in extensions {
            let url = directory.appendingPathComponent("\(name).\(ext)")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// The name without `.nii.gz` / `.nii`; nil for other files.
    public static func stem(of name: String) -> String? {
        for ext in extensions where name.hasSuffix(".\(ext)") && name.count > ext.count + 1 {
            return String(name.dropLast(ext.count + 1))
        }
        return nil
    }
}
