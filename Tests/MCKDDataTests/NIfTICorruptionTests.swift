import Foundation
import MCKDData
import XCTest

/// Damaged files must give a clear `NIfTIError` of the right kind, naming the
/// file: never a crash, a hang or a silent wrong answer.
final class NIfTICorruptionTests: XCTestCase {
    private func validFile(version: NIfTIHeader.Version = .nifti1) throws -> [UInt8] {
        let values = (0..<120).map { Float($0 % 17) }
        return [UInt8](try NIfTIImage(shape: [4, 5, 6], voxels: values, datatype: .int16, version: version).encoded())
    }

    private func patchedInt16(_ bytes: [UInt8], at offset: Int, _ value: Int16) -> [UInt8] {
        var copy = bytes
        let raw = UInt16(bitPattern: value)
        copy[offset] = UInt8(raw & 0xff); copy[offset + 1] = UInt8(raw >> 8)
        return copy
    }

    private func patchedInt64(_ bytes: [UInt8], at offset: Int, _ value: Int64) -> [UInt8] {
        var copy = bytes
        for k in 0..<8 { copy[offset + k] = UInt8((UInt64(bitPattern: value) >> (8 * UInt64(k))) & 0xff) }
        return copy
    }

    private func patchedFloat32(_ bytes: [UInt8], at offset: Int, _ value: Float) -> [UInt8] {
        var copy = bytes
        for k in 0..<4 { copy[offset + k] = UInt8((value.bitPattern >> (8 * UInt32(k))) & 0xff) }
        return copy
    }

    private func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        [UInt8](try Gzip.compress(Data(bytes), file: "test"))
    }

    func testEachCorruptedVariantGivesTheRightError() throws {
        let v1 = try validFile()
        let v2 = try validFile(version: .nifti2)
        let packed = try gzip(v1)
        var flippedGzip = packed
        for k in 20..<40 { flippedGzip[k] ^= 0x5A }
        var badMagic = v1
        badMagic[344...347] = [0x78, 0x78, 0x78, 0x78]
        var twoFileMagic = v1
        twoFileMagic[344...347] = [0x6E, 0x69, 0x31, 0x00]
        var badMagic2 = v2
        badMagic2[5] = 0x3F

        let variants: [(String, [UInt8], NIfTIError.Kind)] = [
            ("empty.nii", [], .truncatedHeader),
            ("short-header.nii", Array(v1.prefix(200)), .truncatedHeader),
            ("short-header2.nii", Array(v2.prefix(500)), .truncatedHeader),
            ("short-data.nii", Array(v1.dropLast(10)), .truncatedData),
            ("header-only.nii", Array(v1.prefix(348)), .truncatedData),
            ("bad-magic.nii", badMagic, .badMagic),
            ("two-file.nii", twoFileMagic, .badMagic),
            ("bad-magic2.nii", badMagic2, .badMagic),
            ("bad-sizeof-hdr.nii", [0x10, 0x20, 0x30, 0x40] + Array(v1.dropFirst(4)), .badHeaderSize),
            ("text.nii", Array("hello, this is not an image at all".utf8), .badHeaderSize),
            ("dim0-zero.nii", patchedInt16(v1, at: 40, 0), .impossibleDimensions),
            ("dim0-eight.nii", patchedInt16(v1, at: 40, 8), .impossibleDimensions),
            ("dim-negative.nii", patchedInt16(v1, at: 44, -3), .impossibleDimensions),
            ("dim-zero.nii", patchedInt16(v1, at: 42, 0), .impossibleDimensions),
            ("dim-overflow.nii", (0..<7).reduce(patchedInt16(v1, at: 40, 7)) { patchedInt16($0, at: 42 + 2 * $1, 32767) }, .impossibleDimensions),
            ("dim-overflow2.nii", patchedInt64(patchedInt64(v2, at: 24, Int64.max / 2), at: 32, 1 << 40), .impossibleDimensions),
            ("dim-negative2.nii", patchedInt64(v2, at: 32, -1), .impossibleDimensions),
            // 10.8 GB of int16 declared: refused by the reader's limit before any read.
            ("huge-dims.nii", patchedInt16(patchedInt16(v1, at: 42, 30000), at: 44, 30000), .impossibleDimensions),
            // Within the limit but longer than the file: truncated.
            ("long-dims.nii", patchedInt16(patchedInt16(v1, at: 42, 3000), at: 44, 3000), .truncatedData),
            ("complex-type.nii", patchedInt16(v1, at: 70, 32), .unsupportedDatatype),
            ("rgb-type2.nii", patchedInt16(v2, at: 12, 128), .unsupportedDatatype),
            ("offset-past-end.nii", patchedFloat32(v1, at: 108, 100_000), .truncatedData),
            ("offset-in-header.nii", patchedFloat32(v1, at: 108, 100), .impossibleDimensions),
            ("offset-nan.nii", patchedFloat32(v1, at: 108, .nan), .impossibleDimensions),
            ("offset-negative2.nii", patchedInt64(v2, at: 168, -8), .impossibleDimensions),
            ("gzip-truncated.nii.gz", Array(packed.prefix(packed.count / 2)), .gzipCorrupted),
            ("gzip-only-magic.nii.gz", [0x1f, 0x8b], .gzipCorrupted),
            ("gzip-flipped.nii.gz", flippedGzip, .gzipCorrupted),
        ]
        for (name, bytes, expected) in variants {
            XCTAssertThrowsError(try NIfTIImage.decode(Data(bytes), file: name), name) { error in
                guard let error = error as? NIfTIError else { return XCTFail("\(name): not a NIfTIError: \(error)") }
                XCTAssertEqual(error.kind, expected, "\(name): \(error)")
                XCTAssertTrue(error.description.hasPrefix(name + ": "), "message must name the file: \(error)")
                XCTAssertGreaterThan(error.detail.count, 10, "\(name): message too short: \(error)")
            }
        }
        // The untouched files still read, so the variants above fail for their damage alone.
        XCTAssertEqual(try NIfTIImage.decode(Data(v1), file: "v1").voxels.count, 120)
        XCTAssertEqual(try NIfTIImage.decode(Data(v2), file: "v2").voxels.count, 120)
        XCTAssertEqual(try NIfTIImage.decode(Data(packed), file: "gz").voxels.count, 120)
    }

    /// A valid image with 64 MiB of zeros after its voxels, in one gzip member of 64 kB.
    private func gzipBomb() throws -> [UInt8] {
        try gzip(try validFile() + [UInt8](repeating: 0, count: 64 << 20))
    }

    func testGzipBombsAreNotInflatedPastTheDeclaredData() throws {
        var bomb = try gzipBomb()
        XCTAssertLessThan(bomb.count, 1 << 20)
        XCTAssertEqual(try NIfTIImage.decode(Data(bomb), file: "bomb.nii.gz").voxels.count, 120)
        // Damage in the stream's trailer (CRC and length) goes unread, so the reader
        // stopped long before the end of the 64 MiB.
        for k in 1...8 { bomb[bomb.count - k] ^= 0xA5 }
        XCTAssertEqual(try NIfTIImage.decode(Data(bomb), file: "bomb.nii.gz").voxels.count, 120)
        // A whole-stream read is bounded too.
        XCTAssertThrowsError(try Gzip.decompress(Data(try gzipBomb()), file: "bomb.gz", limit: 1 << 20)) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .valueOutOfRange, "\(error)")
            XCTAssertTrue("\(error)".contains("bomb.gz"), "\(error)")
        }
    }

    func testAnOrdinaryGzipFilesChecksumIsStillVerified() throws {
        // A few kB after the voxel data: the reader inflates past them to the checksum.
        var packed = try gzip(try validFile() + [UInt8](repeating: 7, count: 4096))
        packed[packed.count - 6] ^= 0xA5   // in the CRC-32 of the trailer
        XCTAssertThrowsError(try NIfTIImage.decode(Data(packed), file: "crc.nii.gz")) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .gzipCorrupted, "\(error)")
        }
    }

    func testBytesAfterTheLastGzipMemberAreIgnoredAsGzipDoes() throws {
        let valid = try validFile()
        let garbage: [UInt8] = [0x00, 0x42, 0x1f, 0x00, 0xff]
        let expected = try NIfTIImage.decode(Data(valid), file: "v").voxels
        XCTAssertEqual(try NIfTIImage.decode(Data(try gzip(valid) + garbage), file: "tail.nii.gz").voxels, expected)
        // A second member is still a member: its damage is found.
        let damagedMember = try gzip(valid) + Array(try gzip([UInt8](repeating: 1, count: 100)).prefix(15))
        XCTAssertThrowsError(try Gzip.decompress(Data(damagedMember), file: "two.gz"))
    }

    func testAValidSlopeWithANonFiniteInterceptIsRefused() throws {
        let valid = try validFile()
        for intercept in [Float.nan, .infinity, -.infinity] {
            let bytes = patchedFloat32(patchedFloat32(valid, at: 112, 2), at: 116, intercept)
            XCTAssertThrowsError(try NIfTIImage.decode(Data(bytes), file: "scl.nii"), "intercept \(intercept)") { error in
                XCTAssertEqual((error as? NIfTIError)?.kind, .valueOutOfRange, "\(error)")
                XCTAssertTrue("\(error)".contains("scl_inter"), "\(error)")
            }
        }
        // A slope of 0 means no scaling at all (NIfTI, nibabel): the intercept is not used.
        let unscaled = patchedFloat32(patchedFloat32(valid, at: 112, 0), at: 116, .nan)
        XCTAssertEqual(try NIfTIImage.decode(Data(unscaled), file: "scl.nii").voxels, try NIfTIImage.decode(Data(valid), file: "v").voxels)
    }

    func testCorruptFilesOnDiskNameThePath() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let url = directory.appendingPathComponent("broken.nii.gz")
        try Data(try gzip(Array(try validFile().prefix(300)))).write(to: url)
        XCTAssertThrowsError(try NIfTIImage.read(from: url)) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .truncatedHeader)
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
        XCTAssertThrowsError(try NIfTIImage.read(from: directory.appendingPathComponent("absent.nii"))) { error in
            XCTAssertEqual((error as? NIfTIError)?.kind, .unreadableFile)
            XCTAssertTrue("\(error)".contains("absent.nii"), "\(error)")
        }
    }

    func testRandomHeaderDamageNeverCrashes() throws {
        // Flip random header bytes many times: each read either succeeds or throws a NIfTIError.
        let valid = try validFile()
        var generator = SplitMix64(seed: 2024)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<3 {
                let at = Int(generator.next() % 348)
                bytes[at] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                _ = try NIfTIImage.decode(Data(bytes), file: "fuzz.nii")
            } catch is NIfTIError {
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, 0, "some damage must be detected")
    }
}
