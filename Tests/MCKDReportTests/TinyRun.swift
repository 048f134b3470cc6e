import Foundation
import MCKDEngine
import MCKDTraining

/// One tiny trained run shared by the report tests (training it is most of their time):
/// the small model at widths 2,4 on a 16^3 phantom, 4 steps on the CPU reference,
/// evaluated on 2 test cases. Tests that change files work on copies.
enum TinyRun {
    static let root = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-report-run-\(UUID().uuidString)")
    static var cache: URL { root.appendingPathComponent("cache") }
    private static var trained: URL?

    static func configuration() -> BraTSRunConfiguration {
        var configuration = BraTSRunConfiguration()
        configuration.architecture.channels = [2, 4]
        configuration.phantomCases = 5
        configuration.phantomSize = [16, 16, 16]
        configuration.crop = [8, 8, 8]
        configuration.metaValidationCases = 1
        configuration.testCases = 2
        configuration.checkpointEvery = 2
        configuration.training = SegmentationTrainingSettings(steps: 4)
        configuration.training.seed = 3
        return configuration
    }

    /// Runs `body` with MCKD_CACHE pointing at the run's phantom (reports reload its test cases).
    static func withPhantomCache<T>(_ body: () throws -> T) rethrows -> T {
        setenv("MCKD_CACHE", cache.path, 1)
        defer { unsetenv("MCKD_CACHE") }
        return try body()
    }

    /// The trained run (trained on first use).
    static func run() throws -> URL {
        if let trained { return trained }
        let directory = root.appendingPathComponent("run")
        atexit { try? FileManager.default.removeItem(at: TinyRun.root) }   // the run outlives each test, not the process
        _ = try withPhantomCache {
            try TrainingRun<BraTSTask>(configuration: configuration(), backend: CPUBackend<Float>(), directory: directory) { _ in }.run(resume: false)
        }
        trained = directory
        return directory
    }

    /// A copy of the run in `folder`.
    static func copy(into folder: URL, name: String) throws -> URL {
        let copy = folder.appendingPathComponent(name)
        try FileManager.default.copyItem(at: try run(), to: copy)
        return copy
    }

    /// The phantom's case folders (HGG/<case>).
    static func caseFolders() throws -> [URL] {
        _ = try run()
        let phantom = try FileManager.default.contentsOfDirectory(at: cache.appendingPathComponent("phantom"), includingPropertiesForKeys: nil)[0]
        let grade = phantom.appendingPathComponent("HGG")
        return try FileManager.default.contentsOfDirectory(atPath: grade.path).sorted().map { grade.appendingPathComponent($0) }
    }
}
