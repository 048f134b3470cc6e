import Foundation
#if canImport(FoundationXML)
import FoundationXML   // XMLParser lives here on Linux
#endif
import XCTest

/// Shared helpers of the report tests.
enum ReportTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temporaryDirectory(for testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-report-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// What Pillow makes of a PNG file (scripts/png_probe.py).
    struct PNGProbe: Decodable {
        let width: Int
        let height: Int
        let mode: String
        let format: String
        let pixels: [[Int]]
    }

    /// Decodes `file` with Pillow and reads the pixels at `points`. Skips when python3
    /// is missing; fails (with what to run) when Pillow is missing or decoding fails.
    static func probePNG(_ file: URL, points: [(Int, Int)]) throws -> PNGProbe {
        // python3 from PATH (as scripts/fetch-test-data installs Pillow for it), $PYTHON if set.
        let environment = ProcessInfo.processInfo.environment
        let python = environment["PYTHON"] ?? "python3"
        let found = python.contains("/") ? FileManager.default.isExecutableFile(atPath: python)
            : (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(python)") }
        guard found else {
            throw XCTSkip("python3 is not installed: the PNG files cannot be checked with an independent decoder (Pillow)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, repositoryRoot.appendingPathComponent("scripts/png_probe.py").path, file.path] + points.map { "\($0.0),\($0.1)" }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if message.contains("No module named 'PIL'") {
                XCTFail("Pillow is missing: run scripts/fetch-test-data (it installs Pillow with pip)")
            } else {
                XCTFail("Pillow could not decode \(file.lastPathComponent): \(message)")
            }
            throw CocoaError(.fileReadCorruptFile)
        }
        return try JSONDecoder().decode(PNGProbe.self, from: data)
    }

    /// Every `data:image/png;base64,...` payload in an HTML page.
    static func embeddedPNGs(_ html: String) -> [Data] {
        html.components(separatedBy: "data:image/png;base64,").dropFirst().compactMap { tail in
            Data(base64Encoded: String(tail.prefix { $0 != "\"" }))
        }
    }

    /// The numbers in `data-value` attributes inside the element with `id`.
    static func dataValues(_ html: String, elementID: String) -> [Double] {
        guard let start = html.range(of: "id=\"\(elementID)\"") else { return [] }
        let element = html[start.upperBound...]
        let end = element.range(of: "</table>")?.lowerBound ?? element.endIndex
        return element[..<end].components(separatedBy: "data-value=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
    }

    /// Checks that `text` is well-formed XML with Foundation's parser.
    static func assertWellFormedXML(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let parser = XMLParser(data: Data(text.utf8))
        let ok = parser.parse()
        XCTAssertTrue(ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
    }
}
