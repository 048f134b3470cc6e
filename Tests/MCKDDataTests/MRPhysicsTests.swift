import Foundation
import MCKDData
import XCTest

/// The phantom's building blocks against values worked out by hand: the signal
/// equations, the gadolinium relaxivity law, the growth model's white-matter
/// preference and CSF barriers, and the contrast table's arithmetic.
final class MRPhysicsTests: XCTestCase {
    func testSignalEquationsMatchHandValues() {
        let tissue = TissueRelaxation(protonDensity: 0.7, t1: 1000, t2: 100)
        // 0.7 (1 - e^-0.5) e^-0.1
        XCTAssertEqual(PulseSequence.spinEcho(repetition: 500, echo: 10).signal(tissue), 0.7 * 0.393469340 * 0.904837418, accuracy: 1e-8)
        // 0.7 |1 - 2 e^-2 + e^-9| e^-1.2
        XCTAssertEqual(PulseSequence.inversionRecovery(repetition: 9000, echo: 120, inversion: 2000).signal(tissue),
                       0.7 * abs(1 - 2 * 0.135335283 + 0.000123410) * 0.301194212, accuracy: 1e-8)
    }

    func testNullingInversionTimeNullsThatTissueOnly() {
        let csf = Relaxometry.reference(.csf)!, white = Relaxometry.reference(.whiteMatter)!
        let flair = ScanProtocol.clinical3T.flair
        XCTAssertEqual(flair.signal(csf), 0, accuracy: 1e-12)
        XCTAssertGreaterThan(flair.signal(white), 0.05)
        guard case let .inversionRecovery(_, _, inversion) = flair else { return XCTFail("FLAIR must be inversion recovery") }
        XCTAssertEqual(inversion, 2301, accuracy: 1, "TI for CSF T1 3817 ms at TR 9000 ms")
    }

    func testGadoliniumShortensT1ByItsRelaxivity() {
        let tissue = TissueRelaxation(protonDensity: 0.8, t1: 1600, t2: 120)
        let enhanced = tissue.withGadolinium(concentration: 0.2, relaxivity: 5)
        // 1/T1' = 1/1.6 s + 5 x 0.2 /s = 1.625 /s
        XCTAssertEqual(enhanced.t1, 1000 / 1.625, accuracy: 1e-9)
        XCTAssertEqual(enhanced.t2, tissue.t2)
        // The rim's concentration reproduces the 838 ms shortening it is derived from.
        let rim = Relaxometry.reference(.enhancing)!
        XCTAssertEqual(rim.t1 - rim.withGadolinium(concentration: Relaxometry.enhancingConcentration).t1, 838, accuracy: 1e-6)
    }

    /// A slab template: white matter for x < 48 mm, grey matter beyond, with a 1 mm CSF
    /// sheet at x = 84; 1 mm voxels, MNI millimetres = voxel indices.
    func slabTemplate() throws -> TissueTemplate {
        let shape = [16, 16, 112]
        var white = [Float](repeating: 0, count: shape.reduce(1, *)), grey = white, csf = white
        for v in white.indices {
            let x = v % shape[2]
            if x == 84 { csf[v] = 1 } else if x < 48 { white[v] = 1 } else { grey[v] = 1 }
        }
        let identity: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        return try TissueTemplate(shape: shape, affine: identity, whiteMatter: white, greyMatter: grey, csf: csf)
    }

    func testCellsSpreadFurtherInWhiteMatterAndStopAtCSF() throws {
        let medium = try GrowthMedium(template: try slabTemplate(), factor: 2)
        let parameters = TumourGrowthParameters(whiteMatterDiffusion: 0.5, proliferation: 0.02, targetCoreVolume: 1.5,
                                                necrosisAge: 1e9, origin: SIMD3(47.5, 7.5, 7.5))
        let tumour = TumourGrowth.grow(in: medium, parameters: parameters)
        let (h, w) = (medium.grid.shape[1], medium.grid.shape[2])
        let row = (0..<w).map { tumour.density[(4 * h + 4) * w + $0] }   // through the seed, along x (2 mm voxels)
        let visible = row.indices.filter { row[$0] >= GrownTumour.visibleDensity }
        let seed = 23.5   // x = 47.5 mm on the 2 mm grid (voxel c is centred on 2c + 0.5 mm)
        let intoWhite = seed - Double(visible.min()!), intoGrey = Double(visible.max()!) - seed
        XCTAssertGreaterThan(intoWhite, intoGrey, "visible tumour reaches \(intoWhite) voxels into WM, \(intoGrey) into GM: \(row)")
        // Nothing passes the CSF sheet at x = 84 mm (between coarse voxels 41 and 42).
        XCTAssertTrue(row[42...].allSatisfy { $0 == 0 }, "cells crossed the CSF sheet: \(row)")
        XCTAssertGreaterThan(row[41], 0, "cells reach the sheet")
    }

    func testContrastTableArithmetic() throws {
        // Four voxels: two pure WM (1, 3), two pure oedema (6, 8): means 2 and 7, sample variances 2 and 2.
        let count = 4
        var fractions = [[Float]](repeating: [Float](repeating: 0, count: count), count: PhantomTissue.allCases.count)
        fractions[Int(PhantomTissue.whiteMatter.rawValue)] = [1, 1, 0, 0]
        fractions[Int(PhantomTissue.oedema.rawValue)] = [0, 0, 1, 1]
        let image: [Float] = [1, 3, 6, 8]
        let phantom = PhantomCase(id: "T", shape: [1, 1, 4], tissue: [1, 1, 4, 4], labels: [0, 0, 2, 2],
                                  modalities: [image, image, image, image])
        let grid = try BraTSGrid(spacing: 8)
        let brainCase = AnatomicalCase(phantom: phantom, fractions: fractions, brainMask: [true, true, true, true], grid: grid,
                                       tumour: TumourGrowthParameters(whiteMatterDiffusion: 1, proliferation: 1, targetCoreVolume: 1,
                                                                      necrosisAge: 1, origin: .zero),
                                       growthDays: 0, growthSteps: 0, gadolinium: 0)
        var table = ContrastTable()
        table.add(brainCase)
        let pair = ContrastTable.pairs.firstIndex { $0 == (.oedema, .whiteMatter) }!
        XCTAssertNil(table.values[pair], "two voxels per region are too few to compare")

        var repeated = ContrastTable()
        let many = AnatomicalCase(phantom: PhantomCase(id: "T", shape: [1, 1, 12], tissue: [], labels: [],
                                                       modalities: [[Float]](repeating: image + image + image, count: 4)),
                                  fractions: fractions.map { $0 + $0 + $0 }, brainMask: [Bool](repeating: true, count: 12), grid: grid,
                                  tumour: brainCase.tumour, growthDays: 0, growthSteps: 0, gadolinium: 0)
        repeated.add(many)
        // Six voxels each: WM 1,3,1,3,1,3 (mean 2, variance 1.2), oedema 6,8,... (mean 7, variance 1.2): CNR 5 / sqrt(1.2).
        let values = try XCTUnwrap(repeated.values[pair])
        for value in values { XCTAssertEqual(value, 5 / 1.2.squareRoot(), accuracy: 1e-9) }
        XCTAssertEqual(repeated.caseCounts[pair], 1)
    }
}
