import Foundation
import XCTest

/// `mckd report` and `mckd predict --png` as a user runs them: the built executable
/// beside the test bundle.
final class ReportCommandLineTests: XCTestCase {
    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
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
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Small outputs: reading one pipe to the end before the other cannot fill a buffer.
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
                      standardError: String(decoding: err, as: UTF8.self))
    }

    func testReportCommandWritesTheReportAndPrintsItsPathLast() throws {
        let folder = try ReportTestSupport.temporaryDirectory(for: self)
        let run = try TinyRun.copy(into: folder, name: "cli-run")
        let result = try mckd(["report", run.path, "--device", "cpu", "--cases", "1"], environment: ["MCKD_CACHE": TinyRun.cache.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let report = run.appendingPathComponent("report.html")
        XCTAssertEqual(result.standardOutput.split(separator: "\n").last.map(String.init), report.path)
        let html = try String(contentsOf: report, encoding: .utf8)
        XCTAssertEqual(ReportTestSupport.embeddedPNGs(html).count, 16)

        let elsewhere = folder.appendingPathComponent("other.html")
        let compared = try mckd(["report", run.path, "--baseline", run.path, "--out", elsewhere.path, "--cases", "0"])
        XCTAssertEqual(compared.status, 0, compared.standardError)
        let differences = ReportTestSupport.dataValues(try String(contentsOf: elsewhere, encoding: .utf8), elementID: "dice-difference")
        XCTAssertEqual(differences, [Double](repeating: 0, count: 48), "a run compared with itself differs by nothing")
        XCTAssertFalse(try String(contentsOf: elsewhere, encoding: .utf8).contains("-0.0"))
    }

    func testReportOfNoFolderIsAClearError() throws {
        let result = try mckd(["report", "/nonexistent/run"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("mckd: error: /nonexistent/run is not a folder"), result.standardError)
    }

    func testPredictWritesTheOverlayPNG() throws {
        let folder = try ReportTestSupport.temporaryDirectory(for: self)
        let run = try TinyRun.run()
        let caseFolder = try TinyRun.caseFolders()[0]
        let png = folder.appendingPathComponent("overlay.png")
        let result = try mckd(["predict", "--run", run.path, "--case", caseFolder.path, "--available", "flair,t2", "--png", png.path,
                               "--device", "cpu"], environment: ["MCKD_CACHE": TinyRun.cache.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("rows: ground truth, prediction from FLAIR+T2"), result.standardOutput)
        // 16^3 phantom at scale 15: 4 panels across, truth and prediction down, 4-pixel gaps.
        let probe = try ReportTestSupport.probePNG(png, points: [(0, 0)])
        XCTAssertEqual([probe.width, probe.height], [4 * 240 + 5 * 4, 2 * 240 + 3 * 4])
        XCTAssertEqual(probe.pixels[0], [40, 40, 40])

        let neither = try mckd(["predict", "--run", run.path, "--case", caseFolder.path])
        XCTAssertNotEqual(neither.status, 0)
        XCTAssertTrue(neither.standardError.contains("give --out FILE.nii.gz, --png FILE.png or both"), neither.standardError)
    }
}
