import Foundation

/// The generated (SYNTHETIC) data sets `mckd train --data` knows by name, and the
/// anatomical phantom's folder in the cache.
public enum GeneratedData {
    /// The anatomical phantom: `mckd train`'s default data.
    public static let anatomical = "anatomical"
    /// The procedural phantom (an ellipsoid head and an intensity table), kept by its old name.
    public static let procedural = "synthetic"

    /// Whether `name` is one of the generated phantoms (results on it are synthetic).
    public static func isGenerated(_ name: String) -> Bool { name == anatomical || name == procedural }

    /// The anatomical phantom's BraTS-layout folder for `cases` cases from `seed` at the
    /// default spacing, generated into the cache on first use (the template must be in
    /// place: `scripts/setup`; nothing is downloaded here).
    public static func anatomicalRoot(cases: Int, seed: UInt64, cacheRoot: URL = MCKDCacheDirectory.root(),
                                      say: (String) -> Void) throws -> URL {
        let spacing = AnatomicalPhantomGenerator.defaultSpacing
        let name = "anatomical-v\(AnatomicalPhantomGenerator.version)-\(String(format: "%g", spacing))mm-\(cases)cases-seed\(seed)"
        let root = cacheRoot.appendingPathComponent("phantom").appendingPathComponent(name)
        let complete = root.appendingPathComponent(".complete")
        guard !FileManager.default.fileExists(atPath: complete.path) else { return root }
        let generator = try AnatomicalPhantomGenerator(template: try TissueTemplate.load(), spacing: spacing, seed: seed)
        say("generating \(cases) anatomical phantom cases (SYNTHETIC: simulated MR on the ICBM152 anatomy, "
            + "\(generator.grid.shape.reversed().map(String.init).joined(separator: "x")) at \(String(format: "%g", spacing)) mm) into \(root.path)")
        let start = Date()
        try PhantomDatasetWriter.write(to: root, count: cases) { generator.makeCase(index: $0).phantom }
        say("generated in \(String(format: "%.0f", Date().timeIntervalSince(start))) s")
        _ = FileManager.default.createFile(atPath: complete.path, contents: Data())   // without it the next run regenerates
        return root
    }

    /// The procedural phantom's folder (phantom/SIZE-Ncases-seedS in the cache), generated
    /// first when it is not complete.
    public static func proceduralRoot(shape: [Int], cases: Int, seed: UInt64, cacheRoot: URL = MCKDCacheDirectory.root(),
                                      say: (String) -> Void) throws -> URL {
        let size = shape.map(String.init).joined(separator: "x")
        let root = cacheRoot.appendingPathComponent("phantom/\(size)-\(cases)cases-seed\(seed)")
        let complete = root.appendingPathComponent(".complete")
        guard !FileManager.default.fileExists(atPath: complete.path) else { return root }
        say("generating \(cases) synthetic phantom cases (\(size)) into \(root.path)")
        _ = try PhantomDatasetWriter.write(to: root, count: cases, generator: try PhantomGenerator(shape: shape, seed: seed))
        _ = FileManager.default.createFile(atPath: complete.path, contents: Data())   // without it the next run regenerates
        return root
    }
}
