import Foundation

/// Reads and preprocesses BraTS cases.
public enum BraTSCaseLoader {
    /// Largest difference between two files' affine entries (mm) that still counts as one grid.
    static let affineTolerance = 1e-3

    /// Loads a case: reads the modality files it has (or its 4-D image) and its labels
    /// if present, checks that the files share one grid (shape and affine) and that the
    /// labels are those of the case's release (mapped to 0/1/2/4), normalises each
    /// modality (`BraTSPreprocessing`); a missing modality's channel is zeros.
    /// `requireSegmentation` makes a missing label file an error. Errors name the case and the file.
    public static func load(_ brainCase: BraTSCase, requireSegmentation: Bool = false) throws -> BraTSVolume {
        let id = brainCase.id
        let images = try brainCase.stackedImageFile.map { try stackedChannels($0, caseID: id) } ?? separateChannels(brainCase)
        guard let reference = images.first(where: { $0 != nil }) ?? nil else {
            throw BraTSDataError(caseID: id, "has no modality files in \(brainCase.directory.path)")
        }
        let shape = reference.shape, voxels = shape.reduce(1, *)
        var image: [Float] = []
        image.reserveCapacity(BraTSModality.allCases.count * voxels)
        for channel in images {
            if var values = channel?.voxels {
                BraTSPreprocessing.normalise(&values)
                image.append(contentsOf: values)
            } else {
                image.append(contentsOf: repeatElement(0, count: voxels))
            }
        }

        var labels: [UInt8]? = nil
        if let url = brainCase.segmentationFile {
            let nifti = try read(url, caseID: id)
            let spatial = try spatialShape(nifti.shape, caseID: id, file: url)
            guard spatial == shape else {
                throw BraTSDataError(caseID: id, "\(url.lastPathComponent) has shape \(xyz(spatial)) (x,y,z) but the images have \(xyz(shape))")
            }
            labels = try labelValues(nifti.voxels, convention: brainCase.labelConvention, caseID: id, file: url)
        } else if requireSegmentation {
            throw BraTSDataError(caseID: id, "has no label file (\(id)_seg.nii.gz), but labels are required here")
        }
        let available = BraTSModality.allCases.filter { images[$0.rawValue] != nil }
        return try BraTSVolume(caseID: id, shape: shape, image: image, labels: labels, referenceHeader: reference.header).having(available)
    }

    /// A grid [D, H, W] as the file's x,y,z sizes, "240x240x155".
    private static func xyz(_ shape: [Int]) -> String { shape.reversed().map(String.init).joined(separator: "x") }

    /// One modality's voxels, its grid [D, H, W] and the header to write predictions with.
    private struct Channel {
        let voxels: [Float]
        let shape: [Int]
        let header: NIfTIHeader
    }

    /// The modality files present, in channel order; every one on the first one's grid.
    private static func separateChannels(_ brainCase: BraTSCase) throws -> [Channel?] {
        let id = brainCase.id
        var first: (url: URL, channel: Channel)? = nil
        return try brainCase.modalityFiles.map { url -> Channel? in
            guard let url else { return nil }
            let nifti = try read(url, caseID: id)
            try requireUsableScan(nifti.voxels, caseID: id, file: url.lastPathComponent)
            let channel = Channel(voxels: nifti.voxels, shape: try spatialShape(nifti.shape, caseID: id, file: url), header: nifti.header)
            if let first {
                guard first.channel.shape == channel.shape else {
                    throw BraTSDataError(caseID: id, "\(url.lastPathComponent) has shape \(xyz(channel.shape)) (x,y,z) but \(first.url.lastPathComponent) has \(xyz(first.channel.shape)); modalities must share one grid")
                }
                if let (row, column) = affineDifference(first.channel.header.affine, channel.header.affine) {
                    throw BraTSDataError(caseID: id, "\(url.lastPathComponent) has affine entry [\(row)][\(column)] \(channel.header.affine[row][column]) but \(first.url.lastPathComponent) has \(first.channel.header.affine[row][column]); modalities must share one grid (register them first)")
                }
            } else {
                first = (url, channel)
            }
            return channel
        }
    }

    /// The four channels of a Decathlon 4-D image (x, y, z, 4: FLAIR, T1w, T1gd, T2w),
    /// with its header made 3-D for the label map.
    private static func stackedChannels(_ url: URL, caseID: String) throws -> [Channel?] {
        let nifti = try read(url, caseID: caseID)
        let count = BraTSModality.allCases.count
        guard nifti.shape.count >= 4, nifti.shape[3] == count, nifti.shape.dropFirst(4).allSatisfy({ $0 == 1 }) else {
            throw BraTSDataError(caseID: caseID, "\(url.lastPathComponent) has shape \(nifti.shape); a Decathlon case is x,y,z,\(count) (FLAIR, T1w, T1gd, T2w)")
        }
        var header = nifti.header
        header.shape = Array(nifti.shape.prefix(3))
        let shape = try spatialShape(header.shape, caseID: caseID, file: url), voxels = shape.reduce(1, *)
        return try (0..<count).map { c in
            let values = Array(nifti.voxels[(c * voxels)..<((c + 1) * voxels)])
            try requireUsableScan(values, caseID: caseID, file: "\(url.lastPathComponent) (channel \(c))")
            return Channel(voxels: values, shape: shape, header: header)
        }
    }

    /// A scan with NaN or infinite voxels, or with every voxel 0, is an error: normalising
    /// would silently turn either into a blank channel that the model reads as signal.
    static func requireUsableScan(_ voxels: [Float], caseID: String, file: String) throws {
        let nonFinite = voxels.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if nonFinite > 0 {
            throw BraTSDataError(caseID: caseID, "\(file): \(nonFinite) of \(voxels.count) voxels are NaN or infinite (a damaged scan: repair it, or remove the file so the case counts as lacking this modality)")
        }
        if voxels.allSatisfy({ $0 == 0 }) {
            throw BraTSDataError(caseID: caseID, "\(file): every voxel is 0 (an empty scan: remove the file so the case counts as lacking this modality)")
        }
    }

    /// The first entry where two affines differ by more than the tolerance, nil if none.
    static func affineDifference(_ a: [[Double]], _ b: [[Double]]) -> (Int, Int)? {
        for row in 0..<3 { for column in 0..<4 where !(abs(a[row][column] - b[row][column]) <= affineTolerance) { return (row, column) } }
        return nil
    }

    private static func read(_ url: URL, caseID: String) throws -> NIfTIImage {
        do { return try NIfTIImage.read(from: url) } catch {
            throw BraTSDataError(caseID: caseID, "\(error)")
        }
    }

    /// [D, H, W] from a NIfTI shape [x, y, z] (trailing extents of 1 allowed).
    private static func spatialShape(_ shape: [Int], caseID: String, file: URL) throws -> [Int] {
        guard shape.count >= 3, shape.dropFirst(3).allSatisfy({ $0 == 1 }) else {
            throw BraTSDataError(caseID: caseID, "\(file.lastPathComponent) has shape \(shape); a 3-D volume is expected")
        }
        return [shape[2], shape[1], shape[0]]
    }

    /// The stored labels mapped to BraTS's 0/1/2/4 by the release's convention.
    private static func labelValues(_ values: [Float], convention: BraTSLabelConvention, caseID: String, file: URL) throws -> [UInt8] {
        var labels = [UInt8](repeating: 0, count: values.count)
        for (k, value) in values.enumerated() {
            guard let label = convention.bratsLabel(value) else {
                throw BraTSDataError(caseID: caseID, "\(file.lastPathComponent) holds label \(value); \(convention.labelDescription)")
            }
            labels[k] = label
        }
        return labels
    }
}
