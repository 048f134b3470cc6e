import MCKDData
import MCKDTraining
import XCTest

/// The fixed order of the averages in one process (the 2-rank runs are
/// DistributedTrainingTests): values chosen so that another order of additions gives
/// other bits, the expected sums worked by hand in float32 (spacing 8 at 1e8).
final class DataParallelTests: XCTestCase {
    func testMicroBatchesAreSummedAsAPairwiseTree() throws {
        let parallel = DataParallel(microBatches: 4)
        // (1e8 + 1) + (-1e8 + 1) = 1e8 + -1e8 = 0; a left fold would give 1.
        let mean = try parallel.averageGradient([[1e8, 2], [1, 2], [-1e8, 2], [1, 2]])
        XCTAssertEqual(mean.map(\.bitPattern), [Float(0).bitPattern, Float(2).bitPattern])
        XCTAssertEqual(try parallel.average([[1e8], [1], [-1e8], [1]], name: "test"), [0])
    }

    func testAnOddLastMicroBatchIsCarriedUp() throws {
        // (1 + 1e8) + -1e8 = 0; adding the last two first would give 1.
        XCTAssertEqual(try DataParallel(microBatches: 3).averageGradient([[1], [1e8], [-1e8]]), [0])
    }

    func testTheGlobalBatchSplitsIntoContiguousMicroBatches() throws {
        XCTAssertEqual(try DataParallel(microBatches: 2).microBatchRanges(globalBatch: 6), [0..<3, 3..<6])
        XCTAssertThrowsError(try DataParallel(microBatches: 4).microBatchRanges(globalBatch: 6)) { error in
            XCTAssertTrue("\(error)".contains("--batch 6 must be divisible by the processes (1) x --accumulate (4) = 4"), "\(error)")
        }
    }
}

/// The in-place mean over slices (the gradient reduce-scatter's) is the array tree's mean
/// bit for bit, for every part count (odd counts carry a part up a level).
extension DataParallelTests {
    func testInPlaceSliceMeanEqualsTheTreeOfArraysBitForBit() {
        var generator = SplitMix64(seed: 12)
        for parts in 1...9 {
            let length = 37
            // Values of mixed magnitude, so that the order of the additions shows in the bits.
            let slices = (0..<parts).map { _ in (0..<length).map { _ in Float.random(in: -1...1, using: &generator) * Float(1 << Int.random(in: 0...20, using: &generator)) } }
            for count in [1, parts, 3 * parts] {
                var buffer = slices.flatMap { $0 }
                let inPlace = FixedOrderSum.mean(ofSlices: &buffer, parts: parts, length: length, count: count)
                XCTAssertEqual(inPlace.map(\.bitPattern), FixedOrderSum.mean(slices, count: count).map(\.bitPattern), "\(parts) parts, count \(count)")
            }
        }
    }
}
