import MCKDEngine
import XCTest

final class RandomFillTests: XCTestCase {
    let cpu = CPUBackend<Float>()

    func fill(_ backend: any Backend, _ distribution: RandomDistribution, count: Int, seed: UInt64, stream: UInt64 = 0) throws -> [Float] {
        let tensor = try backend.makeTensor(shape: Shape(count))
        try backend.fillRandom(tensor, distribution, seed: seed, stream: stream)
        return try backend.download(tensor)
    }

    func testFillsAreBitwiseIdenticalOnBothBackends() throws {
        let gpu = try TestDevices.gpu()
        let defaultVariant = gpu.vectorizedRandomFills
        defer { gpu.vectorizedRandomFills = defaultVariant }
        for vectorized in [false, true] {
            gpu.vectorizedRandomFills = vectorized
            for distribution in [RandomDistribution.uniform(low: -2, high: 3), .normal(mean: 0.5, standardDeviation: 2)] {
                // Counts around the vector width and the work-group size, and a large prime.
                for (count, seed) in [(1, 0 as UInt64), (7, 3), (9, 4), (257, 42), (100_003, 0xDEAD_BEEF_0123_4567)] {
                    let reference = try fill(cpu, distribution, count: count, seed: seed, stream: 5)
                    let device = try fill(gpu, distribution, count: count, seed: seed, stream: 5)
                    let mismatches = zip(reference, device).filter { $0.bitPattern != $1.bitPattern }.count
                    XCTAssertEqual(mismatches, 0, "vectorized \(vectorized), \(distribution), n=\(count), seed \(seed): first differing pair \(zip(reference, device).first { $0 != $1 }.map { "\($0)" } ?? "-")")
                }
            }
        }
    }

    func testDoubleReferenceDrawsTheSameNumbers() throws {
        let double = CPUBackend<Double>()
        let t = try double.makeTensor(shape: [1000])
        try double.fillRandom(t, .normal(mean: 0, standardDeviation: 1), seed: 3, stream: 1)
        XCTAssertEqual(try double.download(t), try fill(cpu, .normal(mean: 0, standardDeviation: 1), count: 1000, seed: 3, stream: 1))
    }

    func testStatisticsLookRight() throws {
        let n = 200_000
        let uniform = try fill(cpu, .uniform(low: 0, high: 1), count: n, seed: 9)
        XCTAssertTrue(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(uniform.reduce(0, +) / Float(n), 0.5, accuracy: 0.005)

        let normal = try fill(cpu, .normal(mean: 0, standardDeviation: 1), count: n, seed: 9)
        let mean = normal.reduce(0, +) / Float(n)
        let variance = normal.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(n)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
        let beyondTwoSigma = Float(normal.filter { abs($0) > 2 }.count) / Float(n)
        XCTAssertEqual(beyondTwoSigma, 0.0455, accuracy: 0.003)   // the normal tail mass
        XCTAssertTrue(normal.allSatisfy { $0.isFinite })
    }

    func testSeedsAndStreamsGiveDifferentNumbers() throws {
        let base = try fill(cpu, .uniform(low: 0, high: 1), count: 64, seed: 1, stream: 0)
        XCTAssertNotEqual(base, try fill(cpu, .uniform(low: 0, high: 1), count: 64, seed: 2, stream: 0))
        XCTAssertNotEqual(base, try fill(cpu, .uniform(low: 0, high: 1), count: 64, seed: 1, stream: 1))
        XCTAssertEqual(base, try fill(cpu, .uniform(low: 0, high: 1), count: 64, seed: 1, stream: 0))
    }
}
