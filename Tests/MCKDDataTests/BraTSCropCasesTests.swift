import Foundation
import MCKDData
import XCTest

/// Crops drawn from cases read through a small cache: the same crops as from volumes held
/// in memory, the cache within its budget, and a case file damaged after the first read an
/// error naming case and file.
final class BraTSCropCasesTests: XCTestCase {
    private var root: URL!
    private var cases: [BraTSCase] = []
    private var volumes: [BraTSVolume] = []

    override func setUpWithError() throws {
        root = try TestSupport.temporaryDirectory(for: self)
        try PhantomDatasetWriter.write(to: root, count: 5, generator: try PhantomGenerator(shape: [16, 16, 16], seed: 3))
        cases = try BraTSDataset(scanning: root).cases
        volumes = try cases.map { try BraTSCaseLoader.load($0, requireSegmentation: true) }
    }

    /// What a cached case holds: 4 float channels, byte labels, an Int32 index per tumour voxel.
    private func bytesByHand(_ volume: BraTSVolume) -> Int {
        let tumourVoxels = volume.labels!.filter { $0 != 0 }.count
        return 4 * volume.voxelCount * 4 + volume.voxelCount + 4 * tumourVoxels
    }

    func testCachedCasesGiveTheCropsOfHeldVolumesWithinTheBudget() throws {
        let bytes = volumes.map(bytesByHand)
        // Room for the last two cases read: reading the five in order leaves exactly cases 3 and 4.
        let budget = bytes[3] + bytes[4]
        for drawing in [BraTSCropSampler.Drawing.sequential, .perCrop] {
            let cache = LRUByteCache<BraTSCropSource>(budget: budget)
            let cached = try BraTSCropCases(cases: cases, cropShape: [8, 8, 8], cache: cache)
            XCTAssertEqual(cache.keysByRecency, [cases[3].id, cases[4].id])
            XCTAssertEqual(cache.heldBytes, budget)
            var fromCache = try BraTSCropSampler(cases: cached, seed: 11, drawing: drawing)
            var fromMemory = try BraTSCropSampler(volumes: volumes, cropShape: [8, 8, 8], seed: 11, drawing: drawing)
            for _ in 0..<20 {
                let a = try fromCache.nextBatch(size: 3), b = try fromMemory.nextBatch(size: 3)
                XCTAssertEqual(a.caseIDs, b.caseIDs, "\(drawing)")
                XCTAssertEqual(a.images, b.images, "\(drawing)")
                XCTAssertEqual(a.targets, b.targets, "\(drawing)")
                XCTAssertLessThanOrEqual(cache.heldBytes, budget)
                XCTAssertLessThanOrEqual(cache.keysByRecency.count, 2)
            }
            XCTAssertGreaterThan(cache.loads, 0, "cases were read again, so the equality covers reloaded volumes")
            XCTAssertLessThanOrEqual(cache.peakHeldBytes, budget)
        }
    }

    /// A case whose file is damaged after the first read (the cache had dropped it) stops the
    /// crop that needs it with one line naming the case and the file.
    func testACaseDamagedAfterTheFirstReadIsAnErrorNamingCaseAndFile() throws {
        let cache = LRUByteCache<BraTSCropSource>(budget: 0)   // every crop reads its case again
        let cached = try BraTSCropCases(cases: cases, cropShape: [8, 8, 8], cache: cache)
        let damaged = try XCTUnwrap(cases[0].modalityFiles[0])
        try Data(try Data(contentsOf: damaged).prefix(100)).write(to: damaged)
        var sampler = try BraTSCropSampler(cases: cached, seed: 2, drawing: .perCrop)
        var error: Error?
        for _ in 0..<50 where error == nil {
            do { _ = try sampler.nextBatch(size: 1) } catch let caught { error = caught }
        }
        let message = "\(try XCTUnwrap(error, "some crop of 50 draws case 0 of 5"))"
        XCTAssertTrue(message.contains(cases[0].id) && message.contains(damaged.lastPathComponent), message)
        XCTAssertFalse(message.contains("\n"), message)
    }
}
