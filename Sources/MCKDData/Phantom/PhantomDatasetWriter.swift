import Foundation

/// Writes synthetic phantom cases as a BraTS-2018-layout folder,
/// `<out>/HGG/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz`, through the same
/// NIfTI writer real data goes through.
public enum PhantomDatasetWriter {
    /// Stored intensity = relative intensity x this, as int16 (BraTS files are integer too).
    public static let intensityScale: Float = 500

    /// Writes `count` cases; returns their ids. Files are byte-identical for equal arguments.
    @discardableResult
    public static func write(to directory: URL, count: Int, generator: PhantomGenerator,
                             omitted: [Set<BraTSModality>]? = nil) throws -> [String] {
        try write(to: directory, count: count, omitted: omitted) { generator.makeCase(index: $0) }
    }

    /// Writes the cases `makeCase(0..<count)` gives, case k without the modality files
    /// `omitted[k]` (`ModalityFileDrop`; none when nil); returns their ids.
    @discardableResult
    public static func write(to directory: URL, count: Int, omitted: [Set<BraTSModality>]? = nil,
                             makeCase: (Int) throws -> PhantomCase) throws -> [String] {
        guard count > 0 else { throw BraTSDataError(caseID: nil, "number of phantom cases must be positive") }
        var ids: [String] = []
        for index in 0..<count {
            let phantom = try makeCase(index)
            try write(phantom, to: directory, omitting: omitted?[index] ?? [])
            ids.append(phantom.id)
        }
        return ids
    }

    /// Writes one case into `<directory>/HGG/<id>/`, without the files of `omitting`.
    public static func write(_ phantom: PhantomCase, to directory: URL, omitting: Set<BraTSModality> = []) throws {
        let caseDirectory = directory.appendingPathComponent("HGG").appendingPathComponent(phantom.id)
        do {
            try FileManager.default.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
        } catch {
            throw BraTSDataError(caseID: phantom.id, "cannot create \(caseDirectory.path): \(error.localizedDescription)")
        }
        // NIfTI shape is (x, y, z) = (W, H, D); the voxel order is the same.
        let niftiShape = Array(phantom.shape.reversed())
        let (w, h, d) = (Double(niftiShape[0]), Double(niftiShape[1]), Double(niftiShape[2]))
        let affine = phantom.affine ?? [[1, 0, 0, -(w - 1) / 2], [0, 1, 0, -(h - 1) / 2], [0, 0, 1, -(d - 1) / 2], [0, 0, 0, 1]]

        func save(_ voxels: [Float], datatype: NIfTIDataType, suffix: String) throws {
            var image = try NIfTIImage(shape: niftiShape, voxels: voxels, datatype: datatype)
            image.header.setAffine(affine, code: 1)
            image.header.xyztUnits = 2  // millimetres
            image.header.descrip = "mckd synthetic phantom (not real data)"
            try image.write(to: caseDirectory.appendingPathComponent("\(phantom.id)_\(suffix).nii.gz"))
        }
        for modality in BraTSModality.allCases where !omitting.contains(modality) {
            // Brain voxels are kept >= 1 so no brain voxel looks like the 0 background.
            let stored = phantom.modalities[modality.rawValue].map { value in
                value == 0 ? 0 : min(32767, max(1, (value * intensityScale).rounded()))
            }
            try save(stored, datatype: .int16, suffix: modality.fileSuffix)
        }
        try save(phantom.labels.map(Float.init), datatype: .uint8, suffix: BraTSModality.segmentationSuffix)
    }
}
