import Foundation
import XCTest

/// `mckd synth` and `mckd inspect` as a user runs them: the built executable beside the
/// test bundle (scripts/test builds every product before testing).
final class CommandLineTests: XCTestCase {
    struct Result {
        let status: Int32
        let output: String
    }

    func mckd(_ arguments: [String]) throws -> Result {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mckd")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("no mckd executable at \(executable.path): build all products first (swift build --build-tests)")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
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
}
