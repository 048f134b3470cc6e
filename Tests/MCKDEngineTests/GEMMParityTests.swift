import MCKDEngine
import XCTest

/// CLBlast GEMM on OpenCL against the reference loop nest.
final class GEMMParityTests: XCTestCase {
    let cpu = CPUBackend<Float>()

    /// Runs the product on both backends from the same A, B and initial C.
    func check(_ g: GEMMDescriptor, countA: Int, countB: Int, countC: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let gpu = try TestDevices.gpu()
        let a = testValues(countA, seed: 11), b = testValues(countB, seed: 12), c = testValues(countC, seed: 13)
        var results: [[Float]] = []
        for backend in [cpu as any Backend, gpu] {
            let tc = try backend.upload(c, shape: Shape(countC))
            try backend.gemm(g, a: try backend.upload(a, shape: Shape(countA)), b: try backend.upload(b, shape: Shape(countB)), c: tc)
            results.append(try backend.download(tc))
        }
        // Each entry sums k products of values below 1 in magnitude; float rounding in a
        // different order differs by at most ~k * eps * |alpha| plus the beta term.
        let bound = Float(g.k) * 1.2e-7 * max(1, abs(g.alpha)) * 4 + 1e-6
        assertClose(results[1], results[0], relative: 0, absolute: bound, g.summaryForTests, file: file, line: line)
        XCTAssertNotEqual(results[0], c, "the product must change C", file: file, line: line)
    }

    func testAllTransposeCombinationsWithOddSizes() throws {
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                for (m, n, k) in [(1, 1, 1), (7, 13, 5), (33, 17, 65), (64, 64, 64)] {
                    let g = GEMMDescriptor(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1.25, beta: -0.5)
                    try check(g, countA: m * k, countB: k * n, countC: m * n)
                }
            }
        }
    }

    func testBetaZeroIgnoresGarbageInC() throws {
        let gpu = try TestDevices.gpu()
        var g = GEMMDescriptor(m: 3, n: 2, k: 4)
        g.beta = 0
        for backend in [cpu as any Backend, gpu] {
            let c = try backend.full([6], value: .nan)
            try backend.gemm(g, a: try backend.full([12], value: 1), b: try backend.full([8], value: 2), c: c)
            XCTAssertEqual(try backend.download(c), [Float](repeating: 8, count: 6), "\(backend.name)")
        }
    }

    func testLeadingDimensionsAndOffsets() throws {
        var g = GEMMDescriptor(transposeA: true, m: 5, n: 6, k: 7, alpha: 0.5, beta: 2)
        g.lda = 9; g.ldb = 8; g.ldc = 10
        g.offsetA = 3; g.offsetB = 5; g.offsetC = 2
        try check(g, countA: 3 + 7 * 9, countB: 5 + 7 * 8, countC: 2 + 5 * 10)
    }

    func testStridedBatched() throws {
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            var g = GEMMDescriptor(transposeA: transposeA, transposeB: transposeB, m: 6, n: 5, k: 9, alpha: 1, beta: 1)
            g.batchCount = 3
            g.strideA = 6 * 9 + 2; g.strideB = 9 * 5 + 1; g.strideC = 6 * 5 + 3
            try check(g, countA: 3 * g.strideA, countB: 3 * g.strideB, countC: 3 * g.strideC)
        }
    }

    func testSharedOperandWithZeroStrideIsAllowedButOverlappingOutputIsNot() throws {
        var g = GEMMDescriptor(m: 4, n: 3, k: 2)
        g.batchCount = 2
        g.strideA = 0; g.strideB = 6; g.strideC = 12   // A shared by both batches: fine
        try check(g, countA: 8, countB: 12, countC: 24)
        g.strideC = 0   // both batches would write the same C
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let a = try backend.makeTensor(shape: [8]), b = try backend.makeTensor(shape: [12]), c = try backend.makeTensor(shape: [24])
            XCTAssertThrowsError(try backend.gemm(g, a: a, b: b, c: c)) { error in
                XCTAssertTrue("\(error)".contains("overlap"), "\(error)")
            }
        }
    }

    func testOperandTooSmallIsAnError() throws {
        let g = GEMMDescriptor(m: 4, n: 4, k: 4)
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let small = try backend.makeTensor(shape: [15]), enough = try backend.makeTensor(shape: [16])
            XCTAssertThrowsError(try backend.gemm(g, a: small, b: enough, c: enough)) { error in
                XCTAssertTrue("\(error)".contains("A needs 16 elements"), "\(error)")
            }
        }
    }
}

extension GEMMDescriptor {
    var summaryForTests: String {
        "GEMM \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") m=\(m) n=\(n) k=\(k) batch=\(batchCount)"
    }
}
