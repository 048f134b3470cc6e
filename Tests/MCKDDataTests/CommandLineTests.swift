import Foundation
import MCKDEngine
import XCTest

/// `mckd synth` and `mckd inspect` as a user runs them: the built executable beside the
/// test bundle (scripts/test builds every product before testing).
final class CommandLineTests: XCTestCase {
    struct Result {
        let status: Int32
        let output: String
    }

    func mckd(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mckd")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("no mckd executable at \(executable.path): build all products first (swift build --build-tests)")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    func testSynthWritesABraTSFolderAndInspectDescribesIt() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        let synth = try mckd(["synth", "--out", folder.path, "--cases", "2", "--size", "16,16,16", "--seed", "3"])
        XCTAssertEqual(synth.status, 0, synth.output)
        XCTAssertTrue(synth.output.contains("synthetic"), synth.output)
        let cases = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("HGG").path).sorted()
        XCTAssertEqual(cases.count, 2)
        let flair = folder.appendingPathComponent("HGG/\(cases[0])/\(cases[0])_flair.nii.gz")

        let inspect = try mckd(["inspect", flair.path])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        XCTAssertTrue(inspect.output.contains("16 x 16 x 16"), inspect.output)
        XCTAssertTrue(inspect.output.contains("affine"), inspect.output)

        let broken = folder.appendingPathComponent("broken.nii.gz")
        try Data([0x1f, 0x8b, 0x08, 0x00, 0x01]).write(to: broken)
        let failure = try mckd(["inspect", broken.path])
        XCTAssertEqual(failure.status, 1)
        XCTAssertTrue(failure.output.contains("broken.nii.gz") && failure.output.lowercased().contains("error"), failure.output)
        XCTAssertFalse(failure.output.contains("Stack"), "a bad file is an error line, not a crash")
    }

    /// `mckd tune`'s stored parameters reach CLBlast at start-up (self-check still matches
    /// the CPU reference with them), and a bad file is a clear error, not a crash.
    func testStoredCLBlastTuningIsAppliedAndBadFilesAreClearErrors() throws {
        guard let device = try OpenCLDevice.all().first else { throw XCTSkip("no OpenCL device") }
        let cache = try TestSupport.temporaryDirectory(for: self)
        let environment = ["MCKD_CACHE": cache.path]
        // A configuration CLBlast's own tuner reported on PoCL (not CLBlast's default).
        var xgemm = ["GEMMK": 0, "KREG": 1, "KWG": 32, "KWI": 2, "MDIMA": 8, "MDIMC": 8, "MWG": 64, "NDIMB": 8,
                     "NDIMC": 8, "NWG": 64, "SA": 1, "SB": 1, "STRM": 0, "STRN": 0, "VWM": 4, "VWN": 4]
        func store(_ parameters: [String: Int]) throws -> URL {
            let tuning = CLBlastTuning(deviceName: device.name, driverVersion: device.driverVersion,
                                       kernels: ["Xgemm": parameters], bestMilliseconds: ["Xgemm": 1])
            return try tuning.write(for: device, environment: environment)
        }
        let file = try store(xgemm)
        let tuned = try mckd(["self-check", "--device", device.handle, "--size", "300"], environment: environment)
        XCTAssertEqual(tuned.status, 0, tuned.output)
        XCTAssertTrue(tuned.output.contains("tuned by `mckd tune`") && tuned.output.contains("self-check passed"), tuned.output)

        let ignored = try mckd(["self-check", "--device", device.handle, "--size", "64"],
                               environment: environment.merging(["MCKD_CLBLAST_TUNING": "off"]) { $1 })
        XCTAssertTrue(ignored.output.contains("CLBlast parameters: built-in"), ignored.output)

        xgemm["VWN"] = nil
        _ = try store(xgemm)
        let incomplete = try mckd(["self-check", "--device", device.handle, "--size", "64"], environment: environment)
        XCTAssertEqual(incomplete.status, 1, incomplete.output)
        XCTAssertTrue(incomplete.output.contains("CLBlastMissingOverrideParameter") && incomplete.output.contains("Xgemm"), incomplete.output)

        try Data("{ not json".utf8).write(to: file)
        let garbage = try mckd(["self-check", "--device", device.handle, "--size", "64"], environment: environment)
        XCTAssertEqual(garbage.status, 1, garbage.output)
        XCTAssertTrue(garbage.output.contains(file.path) && garbage.output.contains("mckd tune"), garbage.output)
    }

    /// Options that do not apply to the chosen model are refused, not silently ignored.
    func testTrainRefusesChannelsForModelsWithFixedWidths() throws {
        for arguments in [["--arch", "paper"], ["--task", "avmnist"]] {
            let result = try mckd(["train"] + arguments + ["--channels", "4,8", "--out", NSTemporaryDirectory() + "never-written"])
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains("--channels is for"), result.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "never-written"))
    }
}
