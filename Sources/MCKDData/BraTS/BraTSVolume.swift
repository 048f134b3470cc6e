import Foundation

/// One preprocessed BraTS case in memory.
///
/// Axis mapping: NIfTI voxel (i, j, k) is our (W, H, D) = (x, y, z) with W
/// fastest, so the file's voxel order is already D x H x W order and no data is
/// moved: `shape = [D, H, W] = [dim3, dim2, dim1]`.
public struct BraTSVolume: Sendable {
    /// Case identifier.
    public let caseID: String
    /// [D, H, W].
    public let shape: [Int]
    /// 4 x D x H x W preprocessed intensities, channels FLAIR, T1, T1ce, T2.
    public let image: [Float]
    /// D x H x W labels (0, 1, 2, 4), nil for predict-only cases.
    public let labels: [UInt8]?
    /// Header of the FLAIR file: geometry for writing predictions back as NIfTI.
    public let referenceHeader: NIfTIHeader

    /// Voxels per channel (D * H * W).
    public var voxelCount: Int { shape.reduce(1, *) }

    /// Assembles a volume; `image` must hold 4 x D x H x W values and `labels`, if any, D x H x W.
    public init(caseID: String, shape: [Int], image: [Float], labels: [UInt8]?, referenceHeader: NIfTIHeader) throws {
        let count = shape.reduce(1, *)
        guard shape.count == 3, image.count == BraTSModality.allCases.count * count, labels.map({ $0.count == count }) ?? true else {
            throw BraTSDataError(caseID: caseID, "volume arrays do not match shape \(shape)")
        }
        self.caseID = caseID
        self.shape = shape
        self.image = image
        self.labels = labels
        self.referenceHeader = referenceHeader
    }

    /// ET / WT / TC targets (3 x D x H x W), or nil for predict-only cases.
    public func targets() -> [Float]? { labels.map(BraTSPreprocessing.targets(fromLabels:)) }
}

/// Reads and preprocesses BraTS cases.
public enum BraTSCaseLoader {
    /// Loads a case: reads the four modalities (and the labels if present),
    /// checks that all shapes agree and the labels are 0/1/2/4, normalises each
    /// modality (`BraTSPreprocessing`). `requireSegmentation` makes a missing
    /// label file an error. Errors name the case and the file.
    public static func load(_ brainCase: BraTSCase, requireSegmentation: Bool = false) throws -> BraTSVolume {
        let id = brainCase.id
        var shape: [Int]? = nil
        var referenceHeader: NIfTIHeader? = nil
        var image: [Float] = []
        for (modality, url) in zip(BraTSModality.allCases, brainCase.modalityFiles) {
            var nifti = try read(url, caseID: id)
            let spatial = try spatialShape(nifti.shape, caseID: id, file: url)
            if let shape, shape != spatial {
                throw BraTSDataError(caseID: id, "\(url.lastPathComponent) has shape \(spatial.reversed()) (x,y,z) but \(BraTSModality.flair.fileSuffix) has \(shape.reversed()); modalities must share one grid")
            }
            shape = spatial
            if modality == .flair {
                referenceHeader = nifti.header
                image.reserveCapacity(BraTSModality.allCases.count * nifti.voxels.count)
            }
            BraTSPreprocessing.normalise(&nifti.voxels)
            image.append(contentsOf: nifti.voxels)
        }
        guard let shape, let referenceHeader else { throw BraTSDataError(caseID: id, "has no modality files") }

        var labels: [UInt8]? = nil
        if let url = brainCase.segmentationFile {
            let nifti = try read(url, caseID: id)
            let spatial = try spatialShape(nifti.shape, caseID: id, file: url)
            guard spatial == shape else {
                throw BraTSDataError(caseID: id, "\(url.lastPathComponent) has shape \(spatial.reversed()) (x,y,z) but the images have \(shape.reversed())")
            }
            labels = try labelValues(nifti.voxels, caseID: id, file: url)
        } else if requireSegmentation {
            throw BraTSDataError(caseID: id, "has no \(id)_seg.nii.gz, but labels are required here")
        }
        return try BraTSVolume(caseID: id, shape: shape, image: image, labels: labels, referenceHeader: referenceHeader)
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

    private static func labelValues(_ values: [Float], caseID: String, file: URL) throws -> [UInt8] {
        var labels = [UInt8](repeating: 0, count: values.count)
        var bad: Float? = nil
        values.withUnsafeBufferPointer { source in
            labels.withUnsafeMutableBufferPointer { output in
                for k in 0..<source.count {
                    switch source[k] {
                    case 0: output[k] = 0
                    case 1: output[k] = 1
                    case 2: output[k] = 2
                    case 4: output[k] = 4
                    default: if bad == nil { bad = source[k] }
                    }
                }
            }
        }
        if let bad {
            throw BraTSDataError(caseID: caseID, "\(file.lastPathComponent) holds label \(bad); BraTS labels are 0, 1, 2, 4")
        }
        return labels
    }
}
