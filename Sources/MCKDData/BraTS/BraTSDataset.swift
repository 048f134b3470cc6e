import Foundation

/// The cases of a BraTS release found under a root folder.
///
/// Layouts: `<root>/{HGG,LGG}/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz`
/// (2018/2019), `<root>/<case>/...` (2020, 2021; 2023 names `<case>-{t2f,t1n,t1c,t2w,seg}`),
/// the Decathlon's Task01 `<root>/imagesTr/<case>.nii.gz` (4-D) with
/// `<root>/labelsTr/<case>.nii.gz`, and a folder of 4-D files only (its `imagesTs`).
/// `.nii` files are accepted too. Cases without a seg file are kept as predict-only
/// cases; cases without some modality files are kept with the modalities they have.
public struct BraTSDataset: Sendable {
    /// Folder the cases were found under.
    public let root: URL
    /// Usable cases, sorted by id.
    public let cases: [BraTSCase]
    /// Why cases were skipped (only with `BraTSIssuePolicy.skipWithWarning`).
    public let warnings: [String]

    /// Scans `root` for cases (any layout above). A case folder without any modality
    /// file fails, or is skipped with a warning, according to `policy`.
    public init(scanning root: URL, policy: BraTSIssuePolicy = .fail) throws {
        if let stacked = try Self.stackedCases(under: root) {
            self.init(root: root, cases: stacked, warnings: [])
            return
        }
        let folders = try Self.caseFolders(under: root)
        guard !folders.isEmpty else {
            throw BraTSDataError(caseID: nil, "no case folders under \(root.path) (expected <root>/<case>/ or <root>/{HGG,LGG}/<case>/)")
        }
        // One id in both HGG/ and LGG/ would be read twice as one case (a test case
        // trained on) while the other folder is never read.
        var firstFolder: [String: URL] = [:]
        for folder in folders {
            if let other = firstFolder.updateValue(folder.directory, forKey: folder.id) {
                throw BraTSDataError(caseID: folder.id, "two folders hold this case: \(other.path) and \(folder.directory.path) (rename or remove one)")
            }
        }
        try self.init(root: root, folders: folders, policy: policy)
    }

    /// Reads the case list from a CSV file whose first column is the case id
    /// (a header row and `#` comment lines are ignored), then finds each case
    /// folder under `root` (either layout). A listed case that is not there fails.
    public init(root: URL, caseListCSV: URL, policy: BraTSIssuePolicy = .fail) throws {
        let text: String
        do { text = try String(contentsOf: caseListCSV, encoding: .utf8) } catch {
            throw BraTSDataError(caseID: nil, "cannot read case list \(caseListCSV.path): \(error.localizedDescription)")
        }
        var folders: [(id: String, grade: String?, directory: URL)] = []
        var seen = Set<String>()
        for (lineNumber, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let id = String(trimmed.split(separator: ",", omittingEmptySubsequences: false)[0])
                .trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            guard let found = try Self.locate(caseID: id, under: root) else {
                if lineNumber == 0 { continue }  // a header row ("case_id,...") names no folder
                throw BraTSDataError(caseID: id, "listed in \(caseListCSV.lastPathComponent) but no folder \(id) under \(root.path) (or its HGG/LGG)")
            }
            guard seen.insert(id).inserted else {
                throw BraTSDataError(caseID: id, "listed twice in \(caseListCSV.lastPathComponent)")
            }
            folders.append((id, found.grade, found.directory))
        }
        guard !folders.isEmpty else { throw BraTSDataError(caseID: nil, "case list \(caseListCSV.path) names no cases") }
        try self.init(root: root, folders: folders, policy: policy)
    }

    private init(root: URL, folders: [(id: String, grade: String?, directory: URL)], policy: BraTSIssuePolicy) throws {
        var cases: [BraTSCase] = []
        var warnings: [String] = []
        for folder in folders {
            do {
                cases.append(try Self.describeCase(id: folder.id, grade: folder.grade, directory: folder.directory))
            } catch let error as BraTSDataError where policy == .skipWithWarning {
                warnings.append("skipped \(error)")
            }
        }
        self.init(root: root, cases: cases.sorted { $0.id < $1.id }, warnings: warnings)
    }

    private init(root: URL, cases: [BraTSCase], warnings: [String]) {
        self.root = root
        self.cases = cases
        self.warnings = warnings
    }

    /// Per modality (channel order), how many cases have its image.
    public var modalityCaseCounts: [Int] {
        BraTSModality.allCases.map { modality in cases.filter { $0.availableModalities.contains(modality) }.count }
    }

    /// Whether every case has all four modalities.
    public var isComplete: Bool { modalityCaseCounts.allSatisfy { $0 == cases.count } }

    /// The case with this id, or an error naming it.
    public func `case`(_ id: String) throws -> BraTSCase {
        guard let found = cases.first(where: { $0.id == id }) else {
            throw BraTSDataError(caseID: id, "not in the dataset at \(root.path)")
        }
        return found
    }

    /// The cases of a split part, checked for what the part needs: training
    /// parts (meta-train, meta-validation) need labels; a case without them
    /// fails or is skipped (with a warning appended to `warnings`) by `policy`.
    public func cases(_ ids: [String], requireSegmentation: Bool, policy: BraTSIssuePolicy = .fail,
                      warnings: inout [String]) throws -> [BraTSCase] {
        var result: [BraTSCase] = []
        for id in ids {
            let found = try self.case(id)
            if requireSegmentation && !found.hasSegmentation {
                let error = BraTSDataError(caseID: id, "has no \(id)_seg.nii.gz, but its split needs labels (training or scoring)")
                guard policy == .skipWithWarning else { throw error }
                warnings.append("skipped \(error)")
                continue
            }
            result.append(found)
        }
        return result
    }

    // MARK: - Folder scanning

    private static func subfolders(of url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }.filter { candidate in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    private static func caseFolders(under root: URL) throws -> [(id: String, grade: String?, directory: URL)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BraTSDataError(caseID: nil, "dataset folder \(root.path) does not exist")
        }
        let top = subfolders(of: root)
        let gradeFolders = top.filter { ["HGG", "LGG"].contains($0.lastPathComponent) }
        if !gradeFolders.isEmpty {  // 2018/2019 layout
            return gradeFolders.flatMap { grade in
                subfolders(of: grade).map { ($0.lastPathComponent, grade.lastPathComponent, $0) }
            }
        }
        return top.map { ($0.lastPathComponent, nil, $0) }  // 2020 layout
    }

    /// The one folder of `caseID` (root/, HGG/ or LGG/); nil if none; an error if several.
    private static func locate(caseID: String, under root: URL) throws -> (grade: String?, directory: URL)? {
        var found: [(grade: String?, directory: URL)] = []
        for grade in [nil, "HGG", "LGG"] as [String?] {
            var directory = root
            if let grade { directory.appendPathComponent(grade) }
            directory.appendPathComponent(caseID)
            var isDirectory: ObjCBool = false
            if !caseID.isEmpty, FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue {
                found.append((grade, directory))
            }
        }
        guard found.count <= 1 else {
            throw BraTSDataError(caseID: caseID, "two folders hold this case: \(found.map(\.directory.path).joined(separator: " and ")) (rename or remove one)")
        }
        return found.first
    }

    private static func describeCase(id: String, grade: String?, directory: URL) throws -> BraTSCase {
        try BraTSCaseFiles.describe(folder: directory, id: id, grade: grade)
    }

    /// Decathlon Task01 cases (`imagesTr` with `labelsTr`), or the 4-D files of a folder
    /// that holds no subfolders (predict-only); nil for the BraTS layouts.
    private static func stackedCases(under root: URL) throws -> [BraTSCase]? {
        let images = root.appendingPathComponent("imagesTr")
        if isFolder(images) {
            let labels = root.appendingPathComponent("labelsTr")
            let cases = niftiFiles(in: images).map { file, id in
                BraTSCase(id: id, directory: images, stackedImageFile: file, segmentationFile: BraTSCaseFiles.file(in: labels, name: id))
            }
            guard !cases.isEmpty else { throw BraTSDataError(caseID: nil, "no .nii.gz files in \(images.path) (a Decathlon Task01 layout)") }
            return cases
        }
        guard isFolder(root), subfolders(of: root).isEmpty else { return nil }
        let files = niftiFiles(in: root)
        return files.isEmpty ? nil : files.map { BraTSCase(id: $1, directory: root, stackedImageFile: $0, segmentationFile: nil) }
    }

    private static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The NIfTI files of a folder with their ids, sorted; hidden files (the Decathlon
    /// archive's `._BRATS_001.nii.gz` resource forks) are not cases.
    private static func niftiFiles(in folder: URL) -> [(URL, String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.compactMap { name in
            BraTSCaseFiles.stem(of: name).map { (folder.appendingPathComponent(name), $0) }
        }
    }
}
