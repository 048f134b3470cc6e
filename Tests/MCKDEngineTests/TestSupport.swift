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

/// Runs the same computation on the CPU reference and on gpu0 and returns both
/// results, reference first: the shape of every parity test.
func onBothBackends(_ body: (any Backend) throws -> [Float]) throws -> (reference: [Float], device: [Float]) {
    (try body(CPUBackend<Float>()), try body(try TestDevices.gpu()))
}

/// Central finite differences in Double: the derivative of `loss` with respect to
/// each element of `point`. With h = 1e-6 the truncation error (h^2 f''') and the
/// rounding error (eps |f| / h ~ 1e-10 |f|) both stay far below the 1e-5 relative
/// tolerance of `assertGradientsMatch`.
func numericalGradient(at point: [Double], step: Double = 1e-6, _ loss: ([Double]) throws -> Double) rethrows -> [Double] {
    var gradient = [Double](repeating: 0, count: point.count)
    var probe = point
    for index in point.indices {
        probe[index] = point[index] + step
        let plus = try loss(probe)
        probe[index] = point[index] - step
        let minus = try loss(probe)
        probe[index] = point[index]
        gradient[index] = (plus - minus) / (2 * step)
    }
    return gradient
}

/// Asserts an analytic gradient matches a numerical one: |a - n| <= 1e-5 * max(1, |n|)
/// elementwise, reporting the worst element.
func assertGradientsMatch(_ analytic: [Double], _ numeric: [Double], tolerance: Double = 1e-5, _ message: String = "",
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.count, numeric.count, "gradient size \(message)", file: file, line: line)
    var worst: (index: Int, error: Double)? = nil
    for (index, (a, n)) in zip(analytic, numeric).enumerated() {
        let error = abs(a - n) / max(1, abs(n))
        if !(error <= tolerance) && error > (worst?.error ?? 0) || (a.isNaN && worst == nil) { worst = (index, error) }
    }
    if let worst {
        XCTFail("\(message): gradient element \(worst.index) is \(analytic[worst.index]), finite differences give \(numeric[worst.index])",
                file: file, line: line)
    }
}
