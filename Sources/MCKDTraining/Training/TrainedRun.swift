import Foundation
import MCKDData
import MCKDEngine

/// A finished (or checkpointed) run loaded back: its configuration and the model with
/// the checkpoint's weights, for `mckd eval` and `mckd predict`.
public struct TrainedRun {
    public let configuration: BraTSRunConfiguration
    public let model: SegmentationModel
    public let step: Int

    /// Reads RUN_DIR/configuration.json and RUN_DIR/checkpoint; clear errors when
    /// either is missing, corrupt or does not match.
    public init(directory: URL, backend: any Backend) throws {
        configuration = try readRunConfiguration(BraTSRunConfiguration.self, in: directory, describedAs: "a run configuration")
        let checkpointURL = directory.appendingPathComponent("checkpoint")
        let checkpoint = try Checkpoint.read(from: checkpointURL)
        model = try SegmentationModel(backend, architecture: configuration.architecture, seed: configuration.training.seed)
        let trainer = try SegmentationTrainer(model: model, settings: configuration.training)
        try trainer.restore(from: checkpoint, file: checkpointURL.path)
        step = checkpoint.step
    }

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

    /// Predicts one case with the given modalities and writes the label map as NIfTI on
    /// the case's own grid and affine.
    public func predict(_ volume: BraTSVolume, available: ModalitySet, to url: URL) throws {
        let probabilities = try SegmentationEvaluator(model: model, tile: configuration.crop)
            .probabilities(volume, subsets: [available])[0]
        var header = volume.referenceHeader
        header.datatype = .uint8
        header.sclSlope = 0
        header.sclInter = 0
        header.calMin = 0
        header.calMax = 4
        header.descrip = "mckd label map (0,1,2,4)"
        let image = try NIfTIImage(header: header, voxels: Self.labelMap(probabilities: probabilities, voxels: volume.voxelCount))
        try image.write(to: url)
    }
}

/// RUN_DIR/configuration.json decoded as `type`; clear errors when it is missing or
/// is not `description` ("a run configuration").
func readRunConfiguration<Configuration: Decodable>(_ type: Configuration.Type, in directory: URL,
                                                    describedAs description: String) throws -> Configuration {
    let url = directory.appendingPathComponent("configuration.json")
    guard let data = try? Data(contentsOf: url) else {
        throw TrainingError.unusableRunFolder("\(url.path) is missing: is \(directory.path) a run folder written by `mckd train`?")
    }
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch {
        throw TrainingError.unusableRunFolder("\(url.path) is not \(description) (\(error))")
    }
}
