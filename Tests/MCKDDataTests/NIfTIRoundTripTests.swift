import Foundation
import MCKDData
import XCTest

/// Write-then-read checks of the NIfTI writer and reader, without external tools.
final class NIfTIRoundTripTests: XCTestCase {
    /// Values every supported type can hold exactly (0...100 integers, plus
    /// negative ones for the signed types).
    private func sampleValues(count: Int, signed: Bool) -> [Float] {
        (0..<count).map { k in Float((k * 37) % 101) - (signed ? 50 : 0) }
    }

    func testEveryDatatypeRoundTripsInBothVersionsWithAndWithoutGzip() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let shape = [5, 4, 3]
        for type in NIfTIDataType.allCases {
            let signed = [.int8, .int16, .int32, .int64, .float32, .float64].contains(type)
            let values = sampleValues(count: 60, signed: signed)
            for version in [NIfTIHeader.Version.nifti1, .nifti2] {
                for name in ["a.nii", "a.nii.gz"] {
                    let url = directory.appendingPathComponent("\(type.name)-\(version)-\(name)")
                    let image = try NIfTIImage(shape: shape, voxels: values, datatype: type, version: version,
                                               voxelSizes: [1.5, 2, 2.5])
                    try image.write(to: url)
                    let back = try NIfTIImage.read(from: url)
                    XCTAssertEqual(back.shape, shape, "\(url.lastPathComponent)")
                    XCTAssertEqual(back.header.datatype, type, "\(url.lastPathComponent)")
                    XCTAssertEqual(back.header.version, version, "\(url.lastPathComponent)")
                    XCTAssertEqual(back.voxels, values, "\(url.lastPathComponent)")
                    XCTAssertEqual(Array(back.header.pixdim[1...3]), [1.5, 2, 2.5], "\(url.lastPathComponent)")
                }
            }
        }
    }

    func testGzipChosenByExtensionAndNoTemporaryFilesLeft() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let image = try NIfTIImage(shape: [8, 8, 8], voxels: [Float](repeating: 3, count: 512))
        try image.write(to: directory.appendingPathComponent("plain.nii"))
        try image.write(to: directory.appendingPathComponent("packed.nii.gz"))
        let plain = try Data(contentsOf: directory.appendingPathComponent("plain.nii"))
        let packed = try Data(contentsOf: directory.appendingPathComponent("packed.nii.gz"))
        XCTAssertEqual(Array(plain.prefix(4)), [92, 1, 0, 0], "sizeof_hdr 348, little-endian")
        XCTAssertEqual(Array(packed.prefix(2)), [0x1f, 0x8b], "gzip magic")
        XCTAssertLessThan(packed.count, plain.count)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["packed.nii.gz", "plain.nii"])
    }

    func testScalingIsAppliedOnReadAndInvertedOnWrite() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let values: [Float] = (0..<24).map { Float($0) * 0.5 + 10 }
        var image = try NIfTIImage(shape: [2, 3, 4], voxels: values, datatype: .int16)
        image.header.sclSlope = 0.5
        image.header.sclInter = 10
        let url = directory.appendingPathComponent("scaled.nii")
        try image.write(to: url)
        let back = try NIfTIImage.read(from: url)
        XCTAssertEqual(back.voxels, values)
        // The stored integers are the unscaled ones: (v - 10) / 0.5 = 0, 1, 2, ...
        let bytes = [UInt8](try Data(contentsOf: url))
        let stored = (0..<24).map { k in Int16(bitPattern: UInt16(bytes[352 + 2 * k]) | UInt16(bytes[353 + 2 * k]) << 8) }
        XCTAssertEqual(stored, (0..<24).map { Int16($0) })
        // Slope 0 means "no scaling", whatever the intercept says.
        var unscaled = try NIfTIImage(shape: [2, 3, 4], voxels: values.map { $0.rounded() }, datatype: .int16)
        unscaled.header.sclSlope = 0
        unscaled.header.sclInter = 99
        try unscaled.write(to: url)
        XCTAssertEqual(try NIfTIImage.read(from: url).voxels, values.map { $0.rounded() })
    }

    func testAffineFromSformQformAndPixdimAndSetAffineRoundTrip() throws {
        var header = NIfTIHeader()
        header.pixdim = [1, 2, 3, 4, 1, 1, 1, 1]
        XCTAssertEqual(header.affineSource, "pixdim")
        XCTAssertEqual(header.affine[0][0], 2); XCTAssertEqual(header.affine[1][1], 3); XCTAssertEqual(header.affine[2][2], 4)

        // A rotation of 90 degrees about z with a flipped x axis (left-handed): needs qfac = -1 or a rotation.
        let target: [[Double]] = [[0, -2, 0, 10], [-1.5, 0, 0, -20], [0, 0, 3, 5], [0, 0, 0, 1]]
        header.setAffine(target, code: 2)
        XCTAssertEqual(header.affineSource, "sform")
        let fromQuaternion = header.qformAffine
        for row in 0..<4 {
            for column in 0..<4 {
                XCTAssertEqual(fromQuaternion[row][column], target[row][column], accuracy: 1e-9, "qform [\(row)][\(column)]")
            }
        }
        header.sformCode = 0
        XCTAssertEqual(header.affineSource, "qform")

        // Both versions write the affine fields back.
        let directory = try TestSupport.temporaryDirectory(for: self)
        for version in [NIfTIHeader.Version.nifti1, .nifti2] {
            var image = try NIfTIImage(shape: [2, 2, 2], voxels: [Float](repeating: 1, count: 8), version: version)
            image.header.setAffine(target, code: 1)
            let url = directory.appendingPathComponent("affine-\(version).nii.gz")
            try image.write(to: url)
            let back = try NIfTIImage.read(from: url)
            XCTAssertEqual(back.header.sformCode, 1)
            XCTAssertEqual(back.header.qformCode, 1)
            for row in 0..<4 {
                for column in 0..<4 {
                    XCTAssertEqual(back.header.affine[row][column], target[row][column], accuracy: 1e-5)
                    // NIfTI-1 stores the quaternion as float32; its implied "a" near 0 then
                    // carries ~1e-4 error (nibabel reads it the same way).
                    let quaternionAccuracy = version == .nifti1 ? 2e-3 : 1e-9
                    XCTAssertEqual(back.header.qformAffine[row][column], target[row][column], accuracy: quaternionAccuracy)
                }
            }
        }
    }

    func testWriterRejectsValuesTheTypeCannotHoldAndMismatchedSizes() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let image = try NIfTIImage(shape: [3], voxels: [1, 300, 2], datatype: .uint8)
        XCTAssertThrowsError(try image.write(to: directory.appendingPathComponent("x.nii"))) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .valueOutOfRange)
            XCTAssertTrue("\(error)".contains("x.nii"), "\(error)")
        }
        let nan = try NIfTIImage(shape: [2], voxels: [.nan, 1], datatype: .int16)
        XCTAssertThrowsError(try nan.write(to: directory.appendingPathComponent("nan.nii"))) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .valueOutOfRange)
        }
        XCTAssertThrowsError(try NIfTIImage(shape: [2, 2], voxels: [1, 2, 3])) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .sizeMismatch)
        }
        var resized = try NIfTIImage(shape: [2, 2], voxels: [1, 2, 3, 4])
        resized.voxels.append(5)
        XCTAssertThrowsError(try resized.write(to: directory.appendingPathComponent("y.nii"))) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .sizeMismatch)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("y.nii").path))
    }

    func testVoxOffsetIsHonoured() throws {
        // Build a file with 16 extra bytes between header and data (as an extension would).
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        let image = try NIfTIImage(shape: [6], voxels: values, datatype: .float32)
        var bytes = [UInt8](try image.encoded())
        bytes.insert(contentsOf: [UInt8](repeating: 0xAB, count: 16), at: 352)
        withUnsafeBytes(of: Float(368).bitPattern.littleEndian) { raw in
            for k in 0..<4 { bytes[108 + k] = raw[k] }
        }
        let back = try NIfTIImage.decode(Data(bytes), file: "offset.nii")
        XCTAssertEqual(back.voxels, values)
        XCTAssertEqual(back.header.voxOffset, 368)
    }
}

/// Headers edited by hand into an impossible state are refused on write, not crashed on.
final class NIfTIHeaderValidationTests: XCTestCase {
    func testWriterRefusesImpossibleHeaders() throws {
        var image = try NIfTIImage(shape: [2, 2], voxels: [1, 2, 3, 4])
        image.header.pixdim = [1, 1]
        XCTAssertThrowsError(try image.encoded()) { XCTAssertEqual(($0 as? NIfTIError)?.kind, .sizeMismatch) }
        image.header.pixdim = [1, 1, 1, 1, 1, 1, 1, 1]
        image.header.shape = [4, 1, 0]
        image.voxels = []
        XCTAssertThrowsError(try image.encoded()) { XCTAssertEqual(($0 as? NIfTIError)?.kind, .impossibleDimensions) }
        image.header.shape = [40000]
        image.voxels = [Float](repeating: 0, count: 40000)
        XCTAssertThrowsError(try image.encoded()) { XCTAssertEqual(($0 as? NIfTIError)?.kind, .impossibleDimensions) }
        image.header.version = .nifti2
        XCTAssertEqual(try NIfTIImage.decode(try image.encoded(), file: "wide").shape, [40000], "NIfTI-2 holds wide extents")
    }
}

/// The numbers `mckd inspect` prints.
final class NIfTIValueSummaryTests: XCTestCase {
    func testSummaryIgnoresNonFiniteValues() {
        let summary = NIfTIValueSummary([3, -1, .nan, 4, .infinity, 2])
        XCTAssertEqual(summary.minimum, -1)
        XCTAssertEqual(summary.maximum, 4)
        XCTAssertEqual(summary.mean ?? .nan, 2, accuracy: 1e-12)
        XCTAssertEqual(summary.nonFiniteCount, 2)
        XCTAssertNil(NIfTIValueSummary([.nan]).mean)
    }
}
