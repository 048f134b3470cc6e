import MCKDEngine
import XCTest

/// One OpenCL backend (gpu0: PoCL in CI) shared by all tests, so each kernel is
/// compiled once per test run.
enum TestDevices {
    static let openCL: Result<OpenCLBackend, Error> = Result {
        let devices = try OpenCLDevice.all()
        guard let first = devices.first else { throw EngineError.unknownDevice("no OpenCL device") }
        return try OpenCLBackend(device: first)
    }

    static func gpu() throws -> OpenCLBackend {
        try openCL.get()
    }
}

/// Deterministic test data: values in [-scale, scale) from the engine's own generator.
func testValues(_ count: Int, seed: UInt64 = 1, scale: Float = 1) -> [Float] {
    (0..<count).map { CounterRandom.value(.uniform(low: -scale, high: scale), seed: seed, stream: 99, index: $0) }
}

/// Asserts |actual - expected| <= absolute + relative * |expected| elementwise,
/// reporting the worst element. NaNs must match NaNs.
func assertClose(_ actual: [Float], _ expected: [Float], relative: Float = 1e-5, absolute: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    var worst: (index: Int, excess: Float)? = nil
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        if a.isNaN || e.isNaN {
            if a.isNaN != e.isNaN { worst = (index, .infinity); break }
            continue
        }
        if a == e { continue }   // equal infinities
        let excess = abs(a - e) - (absolute + relative * abs(e))
        if excess > 0 && excess > (worst?.excess ?? 0) { worst = (index, excess) }
    }
    if let worst {
        XCTFail("\(message): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index]) (rtol \(relative), atol \(absolute))",
                file: file, line: line)
    }
}

/// Sizes that exercise the kernels' edges: one element, primes, and counts just
/// around the 256-wide work-group.
let edgeSizes = [1, 2, 7, 31, 255, 256, 257, 1000, 4099]
