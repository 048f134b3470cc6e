import Foundation
import MCKDData
import XCTest

/// The anatomical phantom as physics: which contrast shows which tissue follows from
/// the signal equations and the relaxometry, checked by the signs of contrasts between
/// region means (never by tuned numbers), on the noise-free images of real generated
/// cases. Needs the ICBM152 maps that scripts/setup puts in the cache.
final class AnatomicalPhantomTests: XCTestCase {
    /// Three noise-free cases at the default spacing, generated once for all tests.
    static let noiseFree: Result<[AnatomicalCase], Error> = Result {
        let generator = try AnatomicalPhantomGenerator(template: try template.get(), seed: 7, noise: false)
        return (0..<3).map { generator.makeCase(index: $0) }
    }
    static let template: Result<TissueTemplate, Error> = Result { try TissueTemplate.load() }

    func cases() throws -> [AnatomicalCase] {
        do {
            return try Self.noiseFree.get()
        } catch {
            XCTFail("\(error)")
            throw error
        }
    }

    /// Mean of `image` over the voxels that `tissue` fills to at least `purity`.
    func mean(_ image: [Float], _ tissue: PhantomTissue, in brainCase: AnatomicalCase, purity: Float = 0.8) -> Double? {
        let fraction = brainCase.fractions[Int(tissue.rawValue)]
        let values = fraction.indices.filter { brainCase.brainMask[$0] && fraction[$0] >= purity }.map { Double(image[$0]) }
        return values.count >= 5 ? values.reduce(0, +) / Double(values.count) : nil
    }

    func testFLAIRNullsCSF() throws {
        for brainCase in try cases() {
            let flair = brainCase.phantom.modalities[BraTSModality.flair.rawValue]
            let csf = try XCTUnwrap(mean(flair, .csf, in: brainCase)), white = try XCTUnwrap(mean(flair, .whiteMatter, in: brainCase))
            let grey = try XCTUnwrap(mean(flair, .greyMatter, in: brainCase))
            XCTAssertLessThan(csf, white, "\(brainCase.phantom.id): CSF must be darker than WM in FLAIR")
            XCTAssertLessThan(csf, grey, "\(brainCase.phantom.id): CSF must be darker than GM in FLAIR")
        }
    }

    func testT2IsBrightInCSFAndOedema() throws {
        for brainCase in try cases() {
            let t2 = brainCase.phantom.modalities[BraTSModality.t2.rawValue]
            let white = try XCTUnwrap(mean(t2, .whiteMatter, in: brainCase))
            XCTAssertGreaterThan(try XCTUnwrap(mean(t2, .csf, in: brainCase)), white, "\(brainCase.phantom.id): CSF")
            XCTAssertGreaterThan(try XCTUnwrap(mean(t2, .oedema, in: brainCase)), white, "\(brainCase.phantom.id): oedema")
        }
    }

    /// T1ce is the T1 acquisition after gadolinium, which only the broken blood-brain
    /// barrier of the enhancing rim lets into the tissue: rim voxels brighten, and every
    /// voxel whose blur neighbourhood holds no rim is exactly as it was.
    func testContrastAgentRaisesOnlyTheEnhancingRim() throws {
        for brainCase in try cases() {
            let t1 = brainCase.phantom.modalities[BraTSModality.t1.rawValue]
            let t1ce = brainCase.phantom.modalities[BraTSModality.t1ce.rawValue]
            let rim = brainCase.fractions[Int(PhantomTissue.enhancing.rawValue)]
            let shape = brainCase.grid.shape
            let (h, w) = (shape[1], shape[2])
            var raised = 0, rimVoxels = 0, untouched = 0, changed: [Int] = []
            for v in rim.indices where brainCase.brainMask[v] {
                let (z, y, x) = (v / (h * w), (v / w) % h, v % w)
                var nearRim = false
                for dz in -1...1 { for dy in -1...1 { for dx in -1...1 {
                    let (nz, ny, nx) = (z + dz, y + dy, x + dx)
                    if nz >= 0, ny >= 0, nx >= 0, nz < shape[0], ny < h, nx < w, rim[(nz * h + ny) * w + nx] > 0 { nearRim = true }
                } } }
                if rim[v] >= 0.5 {
                    rimVoxels += 1
                    if t1ce[v] > t1[v] { raised += 1 }
                } else if !nearRim {
                    untouched += 1
                    if t1ce[v] != t1[v] { changed.append(v) }
                }
            }
            XCTAssertEqual(changed.count, 0, "\(brainCase.phantom.id): \(changed.count) voxels away from the rim changed with contrast, "
                           + "e.g. voxel \(changed.first ?? -1): T1 \(t1[changed.first ?? 0]), T1ce \(t1ce[changed.first ?? 0])")
            XCTAssertGreaterThan(rimVoxels, 0, "\(brainCase.phantom.id) has no enhancing rim")
            XCTAssertEqual(raised, rimVoxels, "\(brainCase.phantom.id): every rim voxel must brighten with contrast")
            XCTAssertGreaterThan(untouched, 10_000)
        }
    }

    /// Labels are BraTS's (0, 1, 2, 4), inside the brain, every case has oedema and an
    /// enhancing rim, and the core (1, 4) never touches healthy brain tissue: it lies
    /// inside the oedema's envelope (it may touch CSF, as tumours reach ventricles and sulci).
    func testLabelsAreBraTSAndTheCoreLiesInsideTheOedema() throws {
        for brainCase in try cases() {
            let labels = brainCase.phantom.labels, shape = brainCase.grid.shape
            let (h, w) = (shape[1], shape[2])
            XCTAssertTrue(Set(labels).isSubset(of: [0, 1, 2, 4]), "\(brainCase.phantom.id): labels \(Set(labels))")
            XCTAssertTrue(labels.contains(2) && labels.contains(4), "\(brainCase.phantom.id): oedema and enhancing tumour expected")
            var contacts = 0
            for v in labels.indices where labels[v] != 0 {
                XCTAssertTrue(brainCase.brainMask[v], "\(brainCase.phantom.id): label outside the brain")
                guard labels[v] == 1 || labels[v] == 4 else { continue }
                let (z, y, x) = (v / (h * w), (v / w) % h, v % w)
                let neighbours = [x > 0 ? v - 1 : nil, x < w - 1 ? v + 1 : nil, y > 0 ? v - w : nil, y < h - 1 ? v + w : nil,
                                  z > 0 ? v - h * w : nil, z < shape[0] - 1 ? v + h * w : nil].compactMap { $0 }
                contacts += neighbours.filter { brainCase.brainMask[$0] && labels[$0] == 0 && tissue($0, of: brainCase) > csf($0, of: brainCase) }.count
            }
            XCTAssertEqual(contacts, 0, "\(brainCase.phantom.id): tumour core touches healthy brain")
        }
    }

    func tissue(_ v: Int, of brainCase: AnatomicalCase) -> Float {
        brainCase.fractions[Int(PhantomTissue.whiteMatter.rawValue)][v] + brainCase.fractions[Int(PhantomTissue.greyMatter.rawValue)][v]
    }

    func csf(_ v: Int, of brainCase: AnatomicalCase) -> Float { brainCase.fractions[Int(PhantomTissue.csf.rawValue)][v] }

    func testCasesAreDeterministicBySeedAndDiffer() throws {
        let template = try Self.template.get()
        let a = try AnatomicalPhantomGenerator(template: template, spacing: 4, seed: 11)
        let b = try AnatomicalPhantomGenerator(template: template, spacing: 4, seed: 11)
        let c = try AnatomicalPhantomGenerator(template: template, spacing: 4, seed: 12)
        let first = a.makeCase(index: 1), again = b.makeCase(index: 1)
        XCTAssertEqual(first.phantom.modalities, again.phantom.modalities)
        XCTAssertEqual(first.phantom.labels, again.phantom.labels)
        XCTAssertNotEqual(first.phantom.modalities, c.makeCase(index: 1).phantom.modalities, "another seed, another case")
        let other = a.makeCase(index: 2)
        XCTAssertNotEqual(first.brainMask, other.brainMask, "cases differ in anatomy (deformation), not only in the tumour")
        XCTAssertNotEqual(first.phantom.labels, other.phantom.labels)
    }

    /// Written cases are what nibabel reads: shape, dtype, affine and voxel values.
    func testWrittenCaseReadsTheSameInNibabel() throws {
        let generator = try AnatomicalPhantomGenerator(template: try Self.template.get(), spacing: 4, seed: 3)
        let folder = try TestSupport.temporaryDirectory(for: self)
        let brainCase = generator.makeCase(index: 0)
        try PhantomDatasetWriter.write(brainCase.phantom, to: folder)
        let id = brainCase.phantom.id
        let volume = try BraTSCaseLoader.load(try BraTSDataset(scanning: folder).case(id), requireSegmentation: true)
        XCTAssertEqual(volume.labels, brainCase.phantom.labels)
        let tumour = brainCase.phantom.labels.indices.filter { brainCase.phantom.labels[$0] != 0 }
        let probes = [0, tumour[0], tumour[tumour.count / 2], brainCase.grid.voxelCount / 2]
        for suffix in ["flair", "t1", "t1ce", "t2", "seg"] {
            let url = folder.appendingPathComponent("HGG/\(id)/\(id)_\(suffix).nii.gz")
            let ours = try NIfTIImage.read(from: url)
            let theirs = try TestSupport.probe(url, flatIndices: probes)
            XCTAssertEqual(theirs.shape, brainCase.grid.shape.reversed(), suffix)
            XCTAssertEqual(theirs.dtype, suffix == "seg" ? "uint8" : "int16", suffix)
            XCTAssertEqual(theirs.voxels, probes.map { Double(ours.voxels[$0]) }, suffix)
            for (row, expected) in zip(theirs.affine, brainCase.grid.affine) {
                for (value, wanted) in zip(row, expected) { XCTAssertEqual(value, wanted, accuracy: 1e-5, "\(suffix) affine") }
            }
        }
    }

    func testMissingOrCorruptTemplateIsAClearError() throws {
        let folder = try TestSupport.temporaryDirectory(for: self)
        XCTAssertThrowsError(try TissueTemplate.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains("scripts/setup") && "\(error)".contains(folder.path), "\(error)")
        }
        for name in [TissueTemplate.fileNames.t1, TissueTemplate.fileNames.greyMatter, TissueTemplate.fileNames.whiteMatter] {
            try Data([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]).write(to: folder.appendingPathComponent(name))
        }
        XCTAssertThrowsError(try TissueTemplate.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains(TissueTemplate.fileNames.t1), "a corrupt file is named: \(error)")
        }
    }
}
