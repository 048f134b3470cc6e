import Foundation
import XCTest

/// Helpers shared by the data tests.
enum TestSupport {
    /// Repository root, found from this file's location (Tests/MCKDDataTests/...).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A fresh temporary folder, removed when the test case tears down.
    static func temporaryDirectory(_ testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
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
