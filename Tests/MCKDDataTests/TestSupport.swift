import Foundation
import XCTest

/// Paths and helpers shared by the MCKDData tests.
enum TestSupport {
    /// Repository root, found from this file's location (Tests/MCKDDataTests/TestSupport.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where scripts/fetch-test-data puts the real files.
    static let testDataDirectory = repositoryRoot.appendingPathComponent(".cache/testdata")

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(for testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mckd-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A cached real test file; fails (not skips) with instructions when it is missing.
    static func cachedTestFile(_ name: String) throws -> URL {
        let url = testDataDirectory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing test data \(url.path): run scripts/fetch-test-data first")
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }

    /// What nibabel reports about a file (scripts/nifti_probe.py).
    struct ProbeResult: Decodable {
        let shape: [Int]
        let dtype: String
        let version: Int
        let sum: Double
        let min: Double
        let max: Double
        let voxels: [Double]
        let affine: [[Double]]
        let qform_code: Int
        let sform_code: Int
    }

    /// Runs the nibabel probe on `file`, asking for the values at `flatIndices`
    /// (file order). Fails with instructions when python3 or nibabel is missing.
    static func probe(_ file: URL, flatIndices: [Int]) throws -> ProbeResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/nifti_probe.py").path, file.path]
            + flatIndices.map(String.init)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            XCTFail("cannot run python3 (\(error)); install python3 and run scripts/fetch-test-data")
            throw error
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("nibabel probe failed on \(file.lastPathComponent) (is nibabel installed? run scripts/fetch-test-data): \(message)")
            throw CocoaError(.featureUnsupported)
        }
        return try JSONDecoder().decode(ProbeResult.self, from: data)
    }

    /// A sine of `frequency` Hz, `seconds` long, at `rate`.
    static func tone(frequency: Double, rate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
        let count = Int(Double(rate) * seconds)
        return (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    /// Magnitude of the direct DFT of `x` at `frequency` Hz (Goertzel-free, plain sum).
    static func magnitude(of x: [Float], at frequency: Double, rate: Int) -> Double {
        var re = 0.0, im = 0.0
        for (n, v) in x.enumerated() {
            let phase = 2 * Double.pi * frequency * Double(n) / Double(rate)
            re += Double(v) * cos(phase)
            im -= Double(v) * sin(phase)
        }
        return (re * re + im * im).squareRoot() / Double(x.count)
    }

    /// Deterministic pseudo-random floats in [-1, 1) (tests must not depend on global state).
    static func noise(count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
    }
}
