import MCKDEngine
import XCTest

/// Sums and means along each axis and over everything, OpenCL against the CPU
/// reference (which accumulates in Double and is the more accurate of the two).
final class ReductionParityTests: XCTestCase {
    let cpu = CPUBackend<Float>()

    /// Float accumulation over a chunk of up to 4096 elements in order, then the chunks
    /// in order: the error is bounded by about (chunk + chunks) * eps * sum|x| per output.
    /// We allow 1e-5 of each output's own sum of magnitudes (divided by the extent for
    /// means), which that bound stays under for every shape here.
    static let relativeToMagnitude: Float = 1e-5

    func check(_ shape: Shape, seed: UInt64) throws {
        let gpu = try TestDevices.gpu()
        let values = testValues(shape.count, seed: seed)
        for axis in 0..<shape.rank {
            let magnitudes = try cpu.upload(values.map { abs($0) }, shape: shape)
            let magnitudeSums = try cpu.makeTensor(shape: shape.reduced(along: axis))
            for op in ReductionOp.allCases {
                try cpu.reduce(op, magnitudes, axis: axis, into: magnitudeSums)
                let bounds = try cpu.download(magnitudeSums).map { Self.relativeToMagnitude * $0 + 1e-6 }
                var results: [[Float]] = []
                for backend in [cpu as any Backend, gpu] {
                    let x = try backend.upload(values, shape: shape)
                    let out = try backend.makeTensor(shape: shape.reduced(along: axis))
                    try backend.reduce(op, x, axis: axis, into: out)
                    results.append(try backend.download(out))
                }
                for (slot, bound) in bounds.enumerated() where abs(results[1][slot] - results[0][slot]) > bound {
                    XCTFail("\(op) of \(shape) along \(axis): output \(slot) is \(results[1][slot]), reference \(results[0][slot]) (bound \(bound))")
                    break
                }
            }
        }
    }

    func testAxisReductionsOnOddShapes() throws {
        try check([2, 3, 5, 7, 11], seed: 3)
        try check([1, 1, 1], seed: 4)
        try check([3, 257, 5], seed: 5)
    }

    func testLongAxisUsesTwoPasses() throws {
        try check([2, 5003, 3], seed: 6)
        try check([1_000_003, 2], seed: 7)
    }

    /// Rows along the last axis in contiguous spans (CPU devices' reduce_spans): one span
    /// with no tail (the mean's factor in the one pass), and rows of two whole spans and a
    /// third of one float16 group and a scalar tail.
    func testLastAxisInSpans() throws {
        try check([5, 1024], seed: 10)
        try check([3, 2 * 4096 + 70], seed: 11)
    }

    func testReduceAllOverMoreThanAMillionElements() throws {
        let gpu = try TestDevices.gpu()
        for count in [1, 4099, 1_048_583] {
            let values = testValues(count, seed: 8).map { $0 + 0.25 }   // a non-zero mean
            for op in ReductionOp.allCases {
                var results: [Float] = []
                for backend in [cpu as any Backend, gpu] {
                    let x = try backend.upload(values, shape: Shape(count))
                    let out = try backend.makeTensor(shape: [1])
                    try backend.reduceAll(op, x, into: out)
                    results.append(try backend.scalar(out))
                }
                let magnitude = values.reduce(0) { $0 + abs($1) }
                let bound = (Self.relativeToMagnitude * magnitude + 1e-6) / Float(op == .mean ? count : 1)
                XCTAssertEqual(results[1], results[0], accuracy: bound, "\(op) of \(count) elements")
            }
        }
    }

    func testReductionIsDeterministic() throws {
        let gpu = try TestDevices.gpu()
        let x = try gpu.upload(testValues(1_048_583, seed: 9), shape: [1_048_583])
        let out = try gpu.makeTensor(shape: [1])
        try gpu.reduceAll(.sum, x, into: out)
        let first = try gpu.scalar(out)
        for _ in 0..<3 {
            try gpu.reduceAll(.sum, x, into: out)
            XCTAssertEqual(try gpu.scalar(out).bitPattern, first.bitPattern)
        }
    }

    func testWrongOutputShapeIsAnError() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let x = try backend.makeTensor(shape: [4, 5])
            XCTAssertThrowsError(try backend.reduce(.sum, x, axis: 1, into: try backend.makeTensor(shape: [5, 1])))
            XCTAssertThrowsError(try backend.reduce(.sum, x, axis: 2, into: try backend.makeTensor(shape: [4, 1])))
            XCTAssertThrowsError(try backend.reduceAll(.sum, x, into: try backend.makeTensor(shape: [2])))
        }
    }
}
