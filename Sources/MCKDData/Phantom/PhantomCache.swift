import Foundation

/// The procedural phantom generated once into the cache ($MCKD_CACHE, or ~/.cache/mckd:
/// phantom/SIZE-Ncases-seedS) through the NIfTI writer, then read like any BraTS folder.
public enum PhantomCache {
    /// The phantom's folder for these settings, generated first when it is not complete.
    public static func root(shape: [Int], cases: Int, seed: UInt64, say: (String) -> Void) throws -> URL {
        let cacheRoot = ProcessInfo.processInfo.environment["MCKD_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mckd")
        let size = shape.map(String.init).joined(separator: "x")
        let root = cacheRoot.appendingPathComponent("phantom/\(size)-\(cases)cases-seed\(seed)")
        let complete = root.appendingPathComponent(".complete")
        if !FileManager.default.fileExists(atPath: complete.path) {
            say("generating \(cases) synthetic phantom cases (\(size)) into \(root.path)")
            let generator = try PhantomGenerator(shape: shape, seed: seed)
            _ = try PhantomDatasetWriter.write(to: root, count: cases, generator: generator)
            // Written last: an interrupted generation is redone, not read half-way.
            _ = FileManager.default.createFile(atPath: complete.path, contents: Data())
        }
        return root
    }
}
