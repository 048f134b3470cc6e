import Foundation
import MCKDData
import MCKDEngine

/// Predicts whole volumes by sliding windows for every available-modality subset and
/// scores them (method.md section 6). Evaluation runs tile by tile: each tile is
/// uploaded, predicted and its probabilities brought back and averaged on the host.
public struct SegmentationEvaluator {
    public let model: SegmentationModel
    public let tile: [Int]
    public var modalityNames = ["FLAIR", "T1", "T1ce", "T2"]

    public init(model: SegmentationModel, tile: [Int]) {
        self.model = model
        self.tile = tile
    }

    /// Sigmoid probabilities [3, D, H, W] (ET, WT, TC) of one case with the given modalities.
    public func probabilities(_ volume: BraTSVolume, available: ModalitySet) throws -> [Float] {
        let backend = model.backend
        let (d, h, w) = (volume.shape[0], volume.shape[1], volume.shape[2])
        let modalities = model.architecture.modalities, outputs = model.architecture.outputChannels
        let tileShape = (0..<3).map { min(tile[$0], volume.shape[$0]) }
        guard tileShape.allSatisfy({ $0 % model.architecture.sizeMultiple == 0 }) else {
            throw EngineError.shapeMismatch("volume \(volume.shape) smaller than the tile \(tile) and not divisible by \(model.architecture.sizeMultiple)")
        }
        let (td, th, tw) = (tileShape[0], tileShape[1], tileShape[2])
        var sum = [Float](repeating: 0, count: outputs * d * h * w)
        var hits = [Float](repeating: 0, count: d * h * w)
        var input = [Float](repeating: 0, count: modalities * td * th * tw)
        model.setTraining(false)
        defer { model.setTraining(true) }
        for origin in SlidingWindow.tiles(volume: volume.shape, tile: tileShape) {
            for m in 0..<modalities { for z in 0..<td { for y in 0..<th {
                let source = ((m * d + origin[0] + z) * h + origin[1] + y) * w + origin[2]
                let target = ((m * td + z) * th + y) * tw
                for x in 0..<tw { input[target + x] = volume.image[source + x] }
            } } }
            let (logits, _) = try model.forward(try backend.upload(input, shape: Shape(1, modalities, td, th, tw)), available: available)
            let values = try backend.download(logits)
            for c in 0..<outputs { for z in 0..<td { for y in 0..<th { for x in 0..<tw {
                let voxel = ((origin[0] + z) * h + origin[1] + y) * w + origin[2] + x
                let logit = values[((c * td + z) * th + y) * tw + x]
                sum[c * d * h * w + voxel] += 1 / (1 + exp(-logit))
                if c == 0 { hits[voxel] += 1 }
            } } } }
        }
        let voxels = d * h * w
        for c in 0..<outputs { for v in 0..<voxels { sum[c * voxels + v] /= hits[v] } }
        return sum
    }

    /// The 15-subset x {ET, TC, WT} table over labelled volumes.
    public func evaluate(_ volumes: [BraTSVolume], progress: ((String) -> Void)? = nil) throws -> DiceTable {
        let subsets = ModalitySet.allNonEmpty(model.architecture.modalities)
        var rows: [DiceTable.Row] = []
        for subset in subsets {
            var totals = [Double](repeating: 0, count: 3)
            for volume in volumes {
                guard let targets = volume.targets() else { throw EngineError.invalidArgument("case \(volume.caseID) has no segmentation to score") }
                let probabilities = try probabilities(volume, available: subset)
                let voxels = volume.voxelCount
                // Channels are stored ET, WT, TC; the table reads ET, TC, WT.
                for (column, channel) in [0, 2, 1].enumerated() {
                    let range = (channel * voxels)..<((channel + 1) * voxels)
                    totals[column] += diceScore(prediction: probabilities[range].map { $0 > 0.5 }[...],
                                                target: targets[range].map { $0 > 0.5 }[...])
                }
            }
            rows.append(DiceTable.Row(available: subset.name(modalityNames), dice: totals.map { $0 / Double(max(1, volumes.count)) }))
            progress?("evaluated \(subset.name(modalityNames))")
        }
        return DiceTable(modalityNames: modalityNames, rows: rows, caseCount: volumes.count)
    }
}
