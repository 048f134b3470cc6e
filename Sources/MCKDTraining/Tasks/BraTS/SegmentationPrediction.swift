import Foundation
import MCKDData
import MCKDEngine

/// BraTS label maps from a trained segmentation run (`mckd predict`, report overlays).
public enum SegmentationPrediction {
    /// The BraTS label map (0, 1, 2, 4) of channel probabilities [ET, WT, TC] x voxels,
    /// thresholded at 0.5: WT -> 2, then TC -> 1, then ET -> 4 (later assignments win).
    public static func labelMap(probabilities: [Float], voxels: Int) -> [Float] {
        (0..<voxels).map { v in
            var label: Float = 0
            if probabilities[voxels + v] > 0.5 { label = 2 }
            if probabilities[2 * voxels + v] > 0.5 { label = 1 }
            if probabilities[v] > 0.5 { label = 4 }
            return label
        }
    }
}

extension TrainedRun where Task == BraTSTask {
    /// One label map (0, 1, 2, 4) per subset of available modalities.
    public func labelMaps(_ volume: BraTSVolume, subsets: [ModalitySet]) throws -> [[Float]] {
        try SegmentationEvaluator(model: model, tile: configuration.crop).probabilities(volume, subsets: subsets)
            .map { SegmentationPrediction.labelMap(probabilities: $0, voxels: volume.voxelCount) }
    }

    /// Predicts one case with the given modalities and writes the label map as NIfTI on
    /// the case's own grid and affine.
    public func predict(_ volume: BraTSVolume, available: ModalitySet, to url: URL) throws {
        var header = volume.referenceHeader
        header.datatype = .uint8
        header.sclSlope = 0
        header.sclInter = 0
        header.calMin = 0
        header.calMax = 4
        header.descrip = "mckd label map (0,1,2,4)"
        let image = try NIfTIImage(header: header, voxels: try labelMaps(volume, subsets: [available])[0])
        try image.write(to: url)
    }
}
