import Foundation
import MCKDData
import XCTest

/// The synthetic phantom must look like BraTS where MCKD cares: nested labels,
/// per-modality contrasts from the table, determinism by seed.
final class PhantomTests: XCTestCase {
    private func neighbours(of index: Int, shape: [Int]) -> [Int] {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        let (z, y, x) = (index / (h * w), (index / w) % h, index % w)
        var result: [Int] = []
        if z > 0 { result.append(index - h * w) }
        if z < d - 1 { result.append(index + h * w) }
        if y > 0 { result.append(index - w) }
        if y < h - 1 { result.append(index + w) }
        if x > 0 { result.append(index - 1) }
        if x < w - 1 { result.append(index + 1) }
        return result
    }

    func testLabelsAreNestedAsInBraTS() throws {
        for (shape, seed) in [([48, 48, 48], UInt64(1)), ([64, 64, 64], 2), ([40, 56, 48], 3), ([64, 64, 64], 99)] {
            let generator = try PhantomGenerator(shape: shape, seed: seed)
            for index in 0..<3 {
                let phantom = generator.makeCase(index: index)
                let name = "seed \(seed) case \(index) shape \(shape)"
                let labels = phantom.labels
                for label in [UInt8(1), 2, 4] {
                    XCTAssertTrue(labels.contains(label), "\(name): label \(label) missing")
                }
                for k in labels.indices where labels[k] != 0 {
                    // Tumour lies inside the brain, which has non-zero intensity in every modality.
                    XCTAssertNotEqual(phantom.tissue[k], PhantomTissue.background.rawValue, name)
                    for modality in phantom.modalities { XCTAssertGreaterThan(modality[k], 0, name) }
                    let around = neighbours(of: k, shape: shape).map { labels[$0] }
                    switch labels[k] {
                    case 1:  // necrosis is wrapped in enhancing tumour (tumour core)
                        XCTAssertFalse(around.contains(0) || around.contains(2), "\(name): necrosis touches \(around)")
                    case 4:  // enhancing rim is wrapped in oedema, never touching healthy tissue
                        XCTAssertFalse(around.contains(0), "\(name): enhancing tumour touches healthy tissue")
                    default: break
                    }
                }
                // Oedema surrounds the core: more oedema than core, and it touches the rim.
                let core = labels.filter { $0 == 1 || $0 == 4 }.count
                let oedema = labels.filter { $0 == 2 }.count
                XCTAssertGreaterThan(oedema, core, name)
            }
        }
    }

    private func interiorVoxels(_ tissue: [UInt8], shape: [Int]) -> [Int] {
        let (d, h, w) = (shape[0], shape[1], shape[2])
        var result: [Int] = []
        for z in 1..<(d - 1) {
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let k = (z * h + y) * w + x
                    var uniform = true
                    for dz in -1...1 {
                        for dy in -1...1 {
                            for dx in -1...1 where tissue[k + (dz * h + dy) * w + dx] != tissue[k] { uniform = false }
                        }
                    }
                    if uniform { result.append(k) }
                }
            }
        }
        return result
    }

    func testRegionMeansFollowTheIntensityTable() throws {
        let generator = try PhantomGenerator(shape: [64, 64, 64], seed: 5)
        let tissues = PhantomTissue.allCases.filter { $0 != .background }
        var compared = Set<PhantomTissue>()
        for index in 0..<4 {
            let phantom = generator.makeCase(index: index)
            // Region interiors only (the whole 3x3x3 block is one tissue): the
            // deliberate blur mixes intensities at region borders.
            let interior = interiorVoxels(phantom.tissue, shape: phantom.shape)
            for modality in BraTSModality.allCases {
                var sums = [Double](repeating: 0, count: PhantomTissue.allCases.count)
                var counts = [Int](repeating: 0, count: PhantomTissue.allCases.count)
                for k in interior {
                    let tissue = phantom.tissue[k]
                    sums[Int(tissue)] += Double(phantom.modalities[modality.rawValue][k])
                    counts[Int(tissue)] += 1
                }
                let means = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
                // A tumour can swallow a ventricle; regions without an interior are left out here
                // and the check below makes sure every region was compared in some case.
                XCTAssertEqual(means[0], 0, "background stays 0")
                // Every pair the table separates by at least 30% keeps its order after noise, bias, blur and gain.
                for a in tissues {
                    for b in tissues where a.relativeIntensity(in: modality) >= 1.3 * b.relativeIntensity(in: modality)
                        && counts[Int(a.rawValue)] > 0 && counts[Int(b.rawValue)] > 0 {
                        compared.insert(a); compared.insert(b)
                        XCTAssertGreaterThan(means[Int(a.rawValue)], means[Int(b.rawValue)],
                                             "case \(index) \(modality): \(a) should be brighter than \(b)")
                    }
                }
            }
            // The contrasts MCKD is about: enhancing tumour stands out only in T1ce.
            func mean(_ tissue: PhantomTissue, _ modality: BraTSModality) -> Double {
                let values = interior.filter { phantom.tissue[$0] == tissue.rawValue }
                    .map { Double(phantom.modalities[modality.rawValue][$0]) }
                return values.reduce(0, +) / Double(values.count)
            }
            XCTAssertGreaterThan(mean(.enhancing, .t1ce), mean(.whiteMatter, .t1ce))
            XCTAssertLessThan(mean(.enhancing, .t1), mean(.whiteMatter, .t1))
            XCTAssertGreaterThan(mean(.oedema, .flair), mean(.greyMatter, .flair))
        }
        XCTAssertEqual(compared, Set(tissues), "every region must take part in some ordering check")
    }

    func testSameSeedGivesIdenticalFilesAndOtherSeedsDiffer() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let shape = [32, 36, 40]
        let first = directory.appendingPathComponent("a"), second = directory.appendingPathComponent("b")
        let other = directory.appendingPathComponent("c")
        try PhantomDatasetWriter.write(to: first, count: 2, generator: try PhantomGenerator(shape: shape, seed: 11))
        try PhantomDatasetWriter.write(to: second, count: 2, generator: try PhantomGenerator(shape: shape, seed: 11))
        try PhantomDatasetWriter.write(to: other, count: 2, generator: try PhantomGenerator(shape: shape, seed: 12))
        for id in ["Synth_0001", "Synth_0002"] {
            for suffix in ["flair", "t1", "t1ce", "t2", "seg"] {
                let path = "HGG/\(id)/\(id)_\(suffix).nii.gz"
                let a = try Data(contentsOf: first.appendingPathComponent(path))
                let b = try Data(contentsOf: second.appendingPathComponent(path))
                let c = try Data(contentsOf: other.appendingPathComponent(path))
                XCTAssertEqual(a, b, "\(path) differs between runs with the same seed")
                XCTAssertNotEqual(a, c, "\(path) is the same for different seeds")
            }
        }
        // Cases within one set differ too.
        let one = try Data(contentsOf: first.appendingPathComponent("HGG/Synth_0001/Synth_0001_t1.nii.gz"))
        let two = try Data(contentsOf: first.appendingPathComponent("HGG/Synth_0002/Synth_0002_t1.nii.gz"))
        XCTAssertNotEqual(one, two)
    }

    func testWrittenFolderLoadsThroughTheBraTSLoader() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let shape = [40, 48, 56]
        let generator = try PhantomGenerator(shape: shape, seed: 21)
        let ids = try PhantomDatasetWriter.write(to: directory, count: 3, generator: generator)
        let dataset = try BraTSDataset(scanning: directory)
        XCTAssertEqual(dataset.cases.map(\.id), ids)
        XCTAssertTrue(dataset.cases.allSatisfy { $0.grade == "HGG" && $0.hasSegmentation })
        let volume = try BraTSCaseLoader.load(dataset.cases[1], requireSegmentation: true)
        let phantom = generator.makeCase(index: 1)
        XCTAssertEqual(volume.shape, shape)
        XCTAssertEqual(volume.labels, phantom.labels)
        let count = volume.voxelCount
        for channel in 0..<4 {
            let values = Array(volume.image[(channel * count)..<((channel + 1) * count)])
            let brain = phantom.tissue.indices.filter { phantom.tissue[$0] != 0 }.map { Double(values[$0]) }
            let mean = brain.reduce(0, +) / Double(brain.count)
            let variance = brain.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(brain.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-3, "channel \(channel)")
            XCTAssertEqual(variance.squareRoot(), 1, accuracy: 1e-3, "channel \(channel)")
            XCTAssertTrue(phantom.tissue.indices.allSatisfy { phantom.tissue[$0] != 0 || values[$0] == 0 }, "background must be 0")
        }
    }

    func testRejectsUnusableSizes() {
        XCTAssertThrowsError(try PhantomGenerator(shape: [8, 64, 64], seed: 1))
        XCTAssertThrowsError(try PhantomGenerator(shape: [64, 64], seed: 1))
    }
}
