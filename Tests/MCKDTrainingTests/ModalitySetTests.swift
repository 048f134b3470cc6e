import MCKDTraining
import XCTest

final class ModalitySetTests: XCTestCase {
    let brats = ["FLAIR", "T1", "T1ce", "T2"]

    func testFifteenSubsetsFewestFirst() {
        let subsets = ModalitySet.allNonEmpty(4)
        XCTAssertEqual(subsets.count, 15)
        XCTAssertEqual(Set(subsets).count, 15)
        XCTAssertEqual(subsets.map { $0.members.count }, [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4])
        XCTAssertEqual(subsets.first?.name(brats), "FLAIR")
        XCTAssertEqual(subsets.last?.name(brats), "FLAIR+T1+T1ce+T2")
    }

    func testPairsAreOrderedAndExcludeSelfAndMissing() throws {
        let set = try ModalitySet([0, 2, 3], of: 4)
        let pairs = set.distillationPairs.map { "\($0.teacher)>\($0.student)" }
        XCTAssertEqual(pairs, ["0>2", "0>3", "2>0", "2>3", "3>0", "3>2"])
        XCTAssertEqual(set.missing, [1])
        XCTAssertTrue(try ModalitySet([1], of: 4).distillationPairs.isEmpty, "one modality: no KD pair")
        XCTAssertEqual(ModalitySet.all(2).distillationPairs.count, 2)
    }

    func testParsingNamesAndErrors() throws {
        XCTAssertEqual(try ModalitySet.parse("flair, T1CE", names: brats), try ModalitySet([0, 2], of: 4))
        XCTAssertThrowsError(try ModalitySet.parse("flair,dwi", names: brats)) { error in
            XCTAssertTrue("\(error)".contains("dwi"), "\(error)")
        }
        XCTAssertThrowsError(try ModalitySet([], of: 4))
        XCTAssertThrowsError(try ModalitySet([4], of: 4))
    }

    func testDropoutIsDeterministicWarmsUpAndCoversEverySubset() {
        let dropout = ModalityDropout(modalityCount: 4, seed: 11, warmupSteps: 5)
        XCTAssertEqual((0..<5).map { dropout.subset(atStep: $0) }, Array(repeating: .all(4), count: 5))
        let draws = (5..<6005).map { dropout.subset(atStep: $0) }
        XCTAssertEqual(draws, (5..<6005).map { ModalityDropout(modalityCount: 4, seed: 11, warmupSteps: 5).subset(atStep: $0) })
        XCTAssertEqual(Set(draws).count, 15, "every non-empty subset must occur")
        // k is uniform on 1...4: each size about a quarter of the draws.
        for size in 1...4 {
            let share = Double(draws.filter { $0.members.count == size }.count) / Double(draws.count)
            XCTAssertEqual(share, 0.25, accuracy: 0.03, "subset size \(size)")
        }
        // Within a size, each subset equally likely: the 4 singletons ~ 1/16 each.
        let flairOnly = Double(draws.filter { $0.mask == 1 }.count) / Double(draws.count)
        XCTAssertEqual(flairOnly, 1.0 / 16, accuracy: 0.015)
        XCTAssertNotEqual(draws, (5..<6005).map { ModalityDropout(modalityCount: 4, seed: 12).subset(atStep: $0) })
    }
}
