import Foundation
import MCKDData
import XCTest

/// Cross-checks with nibabel, the reference Python NIfTI implementation.
/// Needs `scripts/fetch-test-data` to have run (it installs nibabel and caches
/// nibabel's test files); without it these tests fail and say so.
final class NIfTINibabelInteropTests: XCTestCase {
    private func assertClose(_ a: Double, _ b: Double, relative: Double, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(a - b), relative * max(1, abs(a), abs(b)), "\(message): \(a) vs \(b)", file: file, line: line)
    }

    private func assertAffinesMatch(_ ours: [[Double]], _ theirs: [[Double]], _ message: String) {
        for row in 0..<4 {
            for column in 0..<4 {
                XCTAssertEqual(ours[row][column], theirs[row][column], accuracy: 1e-4, "\(message) affine[\(row)][\(column)]")
            }
        }
    }

    func testReadsNibabelTestFilesLikeNibabel() throws {
        let expectations: [(name: String, version: NIfTIHeader.Version)] = [
            ("anatomical.nii", .nifti1),        // big-endian int16
            ("example4d.nii.gz", .nifti1),      // gzip, 4D
            ("example_nifti2.nii.gz", .nifti2), // NIfTI-2
            ("functional.nii", .nifti1),        // 4D with scl_slope/scl_inter
        ]
        for (name, version) in expectations {
            let url = try TestSupport.cachedTestFile(name)
            let image = try NIfTIImage.read(from: url)
            let count = image.voxels.count
            let indices = [0, 1, count / 3, count / 2, count - 1, (count * 7) / 11]
            let reference = try TestSupport.probe(url, flatIndices: indices)
            XCTAssertEqual(image.shape, reference.shape, name)
            XCTAssertEqual(image.header.datatype.name, reference.dtype, name)
            XCTAssertEqual(image.header.version, version, name)
            XCTAssertEqual(reference.version, version.rawValue, name)
            let sum = image.voxels.reduce(0.0) { $0 + Double($1) }
            assertClose(sum, reference.sum, relative: 1e-5, "\(name) sum")
            assertClose(Double(image.voxels.min()!), reference.min, relative: 1e-6, "\(name) min")
            assertClose(Double(image.voxels.max()!), reference.max, relative: 1e-6, "\(name) max")
            for (index, expected) in zip(indices, reference.voxels) {
                assertClose(Double(image.voxels[index]), expected, relative: 1e-6, "\(name) voxel \(index)")
            }
            XCTAssertEqual(image.header.qformCode, reference.qform_code, name)
            XCTAssertEqual(image.header.sformCode, reference.sform_code, name)
            assertAffinesMatch(image.header.affine, reference.affine, name)
        }
    }

    func testNibabelReadsWhatWeWrite() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        let shape = [7, 6, 5]
        let count = shape.reduce(1, *)
        let affine: [[Double]] = [[-1.2, 0, 0, 90], [0, 1.1, 0.1, -126], [0, 0, 2.5, -72], [0, 0, 0, 1]]
        let cases: [(NIfTIDataType, NIfTIHeader.Version, String, slope: Double)] = [
            (.uint8, .nifti1, "nii", 0), (.int8, .nifti2, "nii.gz", 0),
            (.int16, .nifti1, "nii.gz", 0.25), (.uint16, .nifti2, "nii", 0),
            (.int32, .nifti1, "nii", 0), (.uint32, .nifti1, "nii.gz", 0),
            (.int64, .nifti2, "nii.gz", 0), (.float32, .nifti1, "nii.gz", 0),
            (.float64, .nifti2, "nii", 0), (.float32, .nifti2, "nii.gz", 0),
        ]
        for (type, version, suffix, slope) in cases {
            let signed = ![.uint8, .uint16, .uint32].contains(type)
            var values: [Float] = (0..<count).map { k in Float((k * 13) % 97) - (signed ? 40 : 0) }
            if !type.isInteger { values = values.map { $0 * 0.37 + 0.001 } }
            if slope != 0 { values = values.map { $0 * Float(slope) } }
            var image = try NIfTIImage(shape: shape, voxels: values, datatype: type, version: version)
            image.header.sclSlope = slope
            image.header.setAffine(affine, code: 2)
            let url = directory.appendingPathComponent("\(type.name)-v\(version.rawValue).\(suffix)")
            try image.write(to: url)

            let indices = [0, 5, 42, 100, count - 1]
            let reference = try TestSupport.probe(url, flatIndices: indices)
            let name = url.lastPathComponent
            XCTAssertEqual(reference.shape, shape, name)
            XCTAssertEqual(reference.dtype, type.name, name)
            XCTAssertEqual(reference.version, version.rawValue, name)
            XCTAssertEqual(reference.sform_code, 2, name)
            let sum = values.reduce(0.0) { $0 + Double($1) }
            assertClose(reference.sum, sum, relative: 1e-6, "\(name) sum")
            for (index, value) in zip(indices, reference.voxels) {
                assertClose(value, Double(values[index]), relative: 1e-6, "\(name) voxel \(index)")
            }
            assertAffinesMatch(affine, reference.affine, name)
        }
    }
}
