import Foundation

/// The real anatomy the anatomical phantom starts from: the ICBM152 2009a
/// (nonlinear symmetric) T1 with its grey- and white-matter probability maps, as
/// the `nilearn==0.14.1` wheel ships them (197 x 233 x 189, 1 mm, uint8, one affine).
/// `scripts/setup` extracts them into `defaultDirectory()` with the MNI copyright
/// notice; nothing is downloaded at run time.
///
/// Per voxel: white- and grey-matter fractions from the maps (value / 255) and CSF
/// as the rest of the intracranial region (the template T1 is skull-stripped, so
/// intracranial = T1 > 0). Arrays are D x H x W (NIfTI k, j, i) with W fastest.
public struct TissueTemplate: Sendable {
    /// The three files, as named in the wheel.
    public static let fileNames = (t1: "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz",
                                   greyMatter: "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz",
                                   whiteMatter: "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz")
    /// The command that puts them in place.
    public static let fetchCommand = "scripts/setup"

    /// [D, H, W].
    public let shape: [Int]
    /// Voxel (i, j, k) to MNI millimetres (the files' shared affine).
    public let affine: [[Double]]
    public let whiteMatter: [Float]
    public let greyMatter: [Float]
    public let csf: [Float]

    /// Builds a template from fractions on one grid (tests use small synthetic ones).
    public init(shape: [Int], affine: [[Double]], whiteMatter: [Float], greyMatter: [Float], csf: [Float]) throws {
        let count = shape.reduce(1, *)
        guard shape.count == 3, shape.allSatisfy({ $0 >= 2 }), [whiteMatter, greyMatter, csf].allSatisfy({ $0.count == count }) else {
            throw TissueTemplateError.mismatch(file: "<template>", "fraction arrays do not match shape \(shape)")
        }
        self.shape = shape
        self.affine = affine
        self.whiteMatter = whiteMatter
        self.greyMatter = greyMatter
        self.csf = csf
    }

    /// `$MCKD_CACHE/templates/icbm152_2009a` when MCKD_CACHE is set, else `~/.cache/mckd/templates/icbm152_2009a`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        MCKDCacheDirectory.root(environment: environment).appendingPathComponent("templates/icbm152_2009a")
    }

    /// Reads the three maps from `directory`; missing files name the command that fetches
    /// them, unreadable or mismatched ones name the file.
    public static func load(from directory: URL = defaultDirectory()) throws -> TissueTemplate {
        let names = [fileNames.t1, fileNames.greyMatter, fileNames.whiteMatter]
        let urls = names.map { directory.appendingPathComponent($0) }
        let missing = urls.filter { !FileManager.default.fileExists(atPath: $0.path) }
        guard missing.isEmpty else {
            throw TissueTemplateError.missing(directory: directory.path, files: missing.map(\.lastPathComponent))
        }
        let images = try urls.map { try NIfTIImage.read(from: $0) }
        let shape = images[0].shape
        guard shape.count == 3 else {
            throw TissueTemplateError.mismatch(file: urls[0].path, "shape \(shape) is not a 3-D volume")
        }
        for (image, url) in zip(images, urls) {
            guard image.shape == shape else {
                throw TissueTemplateError.mismatch(file: url.path, "shape \(image.shape) differs from the T1's \(shape)")
            }
            guard zip(image.header.affine.joined(), images[0].header.affine.joined()).allSatisfy({ abs($0 - $1) < 1e-4 }) else {
                throw TissueTemplateError.mismatch(file: url.path, "affine differs from the T1's; the maps must share one grid")
            }
            guard let range = image.voxels.minMax(), range.min >= 0, range.max <= 255, range.max > 0 else {
                throw TissueTemplateError.mismatch(file: url.path, "values must lie in 0...255 (uint8 probability maps) and not all be 0")
            }
        }
        let affine = images[0].header.affine
        let axisAligned = (0..<3).allSatisfy { row in (0..<3).allSatisfy { column in row == column ? abs(affine[row][column]) > 0 : abs(affine[row][column]) < 1e-6 } }
        guard axisAligned, abs(abs(affine[0][0]) - abs(affine[1][1])) < 1e-6, abs(abs(affine[0][0]) - abs(affine[2][2])) < 1e-6 else {
            throw TissueTemplateError.mismatch(file: urls[0].path, "affine \(affine) is not an axis-aligned isotropic grid")
        }
        let (t1, grey, white) = (images[0].voxels, images[1].voxels, images[2].voxels)
        var whiteMatter = [Float](repeating: 0, count: t1.count)
        var greyMatter = whiteMatter, csf = whiteMatter
        for v in t1.indices where t1[v] > 0 {
            // Maps can sum a rounding step over 1; rescale so fractions never do.
            let w = white[v] / 255, g = grey[v] / 255
            let tissue = max(1, w + g)
            whiteMatter[v] = w / tissue
            greyMatter[v] = g / tissue
            csf[v] = 1 - whiteMatter[v] - greyMatter[v]
        }
        return try TissueTemplate(shape: Array(shape.reversed()), affine: affine,
                                  whiteMatter: whiteMatter, greyMatter: greyMatter, csf: csf)
    }

    /// Fractions averaged over `factor`^3 blocks (partial blocks at the far edges average what
    /// they hold), with the affine of the coarse grid: the grid the tumour grows on.
    public func downsampled(by factor: Int) throws -> TissueTemplate {
        let coarse = shape.map { ($0 + factor - 1) / factor }
        let (d, h, w) = (shape[0], shape[1], shape[2])
        func average(_ values: [Float]) -> [Float] {
            var sums = [Float](repeating: 0, count: coarse.reduce(1, *))
            var counts = sums
            for z in 0..<d {
                for y in 0..<h {
                    let row = ((z / factor) * coarse[1] + y / factor) * coarse[2]
                    for x in 0..<w {
                        sums[row + x / factor] += values[(z * h + y) * w + x]
                        counts[row + x / factor] += 1
                    }
                }
            }
            return zip(sums, counts).map { $0 / $1 }
        }
        // Coarse voxel c covers fine voxels factor*c ... factor*c + factor - 1: its centre
        // is fine voxel factor*c + (factor - 1)/2.
        let f = Double(factor), offset = (f - 1) / 2
        var coarseAffine = affine
        for row in 0..<3 {
            coarseAffine[row][3] = affine[row][3] + (0..<3).map { affine[row][$0] * offset }.reduce(0, +)
            for column in 0..<3 { coarseAffine[row][column] = affine[row][column] * f }
        }
        return try TissueTemplate(shape: coarse, affine: coarseAffine, whiteMatter: average(whiteMatter),
                                  greyMatter: average(greyMatter), csf: average(csf))
    }
}

/// Why the template cannot be used.
public enum TissueTemplateError: Error, CustomStringConvertible, LocalizedError {
    case missing(directory: String, files: [String])
    case mismatch(file: String, String)

    public var description: String {
        switch self {
        case let .missing(directory, files):
            return "the anatomical phantom's template maps are missing from \(directory) (\(files.joined(separator: ", "))): "
                + "run \(TissueTemplate.fetchCommand), which extracts the ICBM152 2009a T1, GM and WM maps from the nilearn==0.14.1 wheel"
        case let .mismatch(file, message):
            return "template file \(file): \(message)"
        }
    }

    public var errorDescription: String? { description }
}

/// mckd's cache folder: `$MCKD_CACHE` when set (and not empty), else `~/.cache/mckd` (HOME's).
public enum MCKDCacheDirectory {
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let root = environment["MCKD_CACHE"], !root.isEmpty { return URL(fileURLWithPath: root) }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/mckd")
    }
}

private extension Array where Element == Float {
    func minMax() -> (min: Float, max: Float)? {
        guard var low = first else { return nil }
        var high = low
        for value in self {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        return (low, high)
    }
}
