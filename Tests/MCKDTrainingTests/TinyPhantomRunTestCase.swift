import Foundation
import MCKDTraining
import XCTest

/// Base of the tests that train whole runs on a tiny synthetic phantom: a fresh folder
/// per test, the phantom cache inside it (MCKD_CACHE), removed afterwards, and the tiny
/// configuration they share.
class TinyPhantomRunTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        setenv("MCKD_CACHE", folder.appendingPathComponent("cache").path, 1)
    }

    override func tearDownWithError() throws {
        unsetenv("MCKD_CACHE")
        try? FileManager.default.removeItem(at: folder)
    }

    /// 6 phantom cases of 16^3 (4 training, 1 meta-validation, 1 test), crops of 8^3,
    /// channels 2, 4, a checkpoint every 2 steps, seed 5.
    func tinyConfiguration(steps: Int) -> BraTSRunConfiguration {
        var configuration = BraTSRunConfiguration()
        configuration.architecture.channels = [2, 4]
        configuration.phantomCases = 6
        configuration.phantomSize = [16, 16, 16]
        configuration.crop = [8, 8, 8]
        configuration.metaValidationCases = 1
        configuration.testCases = 1
        configuration.checkpointEvery = 2
        configuration.training = SegmentationTrainingSettings(steps: steps)
        configuration.training.seed = 5
        return configuration
    }

    /// The same, 4 steps, crops drawn per crop (what new runs record).
    func tinyPerCropConfiguration() -> BraTSRunConfiguration {
        var configuration = tinyConfiguration(steps: 4)
        configuration.cropDrawing = .perCrop
        return configuration
    }
}
