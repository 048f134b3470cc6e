import Foundation
import MCKDData
import MCKDEngine

/// Predicts whole volumes by sliding windows for every available-modality subset and
/// scores them (method.md section 6). Evaluation runs tile by tile: each tile is
/// uploaded, predicted and its probabilities brought back and averaged on the host.
///
/// The shared encoder sees each modality volume on its own, so a missing modality's
/// features are the encoder's response to a zero volume whatever the subset: each tile
/// is encoded once with every modality, the zero response once per tile shape, and the
/// 15 subsets only re-run fill-in and the decoder.
public struct SegmentationEvaluator {
    public let model: SegmentationModel
    public let tile: [Int]
    public var modalityNames = TaskKind.brats.modalityNames

    public init(model: SegmentationModel, tile: [Int]) {
        self.model = model
        self.tile = tile
    }

    /// Sigmoid probabilities [3, D, H, W] (ET, WT, TC) of one case for each subset.
    public func probabilities(_ volume: BraTSVolume, subsets: [ModalitySet]) throws -> [[Float]] {
        let backend = model.backend
        let (d, h, w) = (volume.shape[0], volume.shape[1], volume.shape[2])
        let modalities = model.architecture.modalities, outputs = model.architecture.outputChannels
        let tileShape = (0..<3).map { min(tile[$0], volume.shape[$0]) }
        do {
            try model.architecture.checkCrop(tileShape)
        } catch {
            throw EngineError.shapeMismatch("volume \(volume.shape) is smaller than the tile \(tile) and does not fit as a tile: \(error)")
        }
        let (td, th, tw) = (tileShape[0], tileShape[1], tileShape[2])
        var sums = [[Float]](repeating: [Float](repeating: 0, count: outputs * d * h * w), count: subsets.count)
        var hits = [Float](repeating: 0, count: d * h * w)
        var input = [Float](repeating: 0, count: modalities * td * th * tw)
        model.setTraining(false)
        defer { model.setTraining(true) }
        let zeroResponse = try model.encoder.forward(try backend.full(Shape(1, 1, td, th, tw), value: 0))
        for origin in SlidingWindow.tiles(volume: volume.shape, tile: tileShape) {
            for m in 0..<modalities { for z in 0..<td { for y in 0..<th {
                let source = ((m * d + origin[0] + z) * h + origin[1] + y) * w + origin[2]
                let target = ((m * td + z) * th + y) * tw
                for x in 0..<tw { input[target + x] = volume.image[source + x] }
            } } }
            let present = try model.encoder.forward(try backend.upload(input, shape: Shape(modalities, 1, td, th, tw)))
            for z in 0..<td { for y in 0..<th { for x in 0..<tw { hits[((origin[0] + z) * h + origin[1] + y) * w + origin[2] + x] += 1 } } }
            for (index, subset) in subsets.enumerated() {
                let features = try zip(present, zeroResponse).map { all, zero -> Tensor in
                    let mixed = try backend.makeTensor(shape: all.shape)
                    try backend.copy(all, to: mixed)
                    for m in subset.missing { try backend.assignBatchSlice(zero, into: mixed, start: m, step: modalities) }
                    return mixed
                }
                let values = try backend.download(try model.decode(features, available: subset))
                for c in 0..<outputs { for z in 0..<td { for y in 0..<th { for x in 0..<tw {
                    let voxel = ((origin[0] + z) * h + origin[1] + y) * w + origin[2] + x
                    sums[index][c * d * h * w + voxel] += 1 / (1 + exp(-values[((c * td + z) * th + y) * tw + x]))
                } } } }
            }
        }
        let voxels = d * h * w
        for index in sums.indices {
            for c in 0..<outputs { for v in 0..<voxels { sums[index][c * voxels + v] /= hits[v] } }
        }
        return sums
    }

    /// The 15-subset x {ET, TC, WT} table over labelled volumes. A case that lacks some
    /// modalities is scored on the subsets of those it has; a subset's row is the mean
    /// over its cases (and says how many when that is not every case; a subset no case
    /// allows has no row).
    ///
    /// Under mpirun (`communicator` of more than one rank) rank r scores cases r, r + N, ...
    /// and every rank gets the table, bit for bit the one-process one (`table(perCase:)`).
    public func evaluate(_ volumes: [BraTSVolume], communicator: any Communicator = SingleProcess()) throws -> DiceTable {
        guard communicator.size > 1 else { return table(perCase: try volumes.map(caseDice), caseCount: volumes.count) }
        let perCase = try ShardedEvaluation(communicator: communicator)
            .perCase(volumes.count, rows: ModalitySet.allNonEmpty(model.architecture.modalities).count, columns: DiceTable.regions.count) {
                try caseDice(volumes[$0])
            }
        return table(perCase: perCase, caseCount: volumes.count)
    }

    /// The same table over cases on disk, read one at a time (each dropped once scored), so
    /// that memory does not grow with the number of test cases.
    public func evaluate(cases: [BraTSCase], communicator: any Communicator = SingleProcess()) throws -> DiceTable {
        let rows = ModalitySet.allNonEmpty(model.architecture.modalities).count
        func dice(_ index: Int) throws -> [[Double]] { try caseDice(try BraTSCaseLoader.load(cases[index], requireSegmentation: true)) }
        guard communicator.size > 1 else { return table(perCase: try cases.indices.map(dice), caseCount: cases.count) }
        let perCase = try ShardedEvaluation(communicator: communicator).perCase(cases.count, rows: rows, columns: DiceTable.regions.count, dice)
        return table(perCase: perCase, caseCount: cases.count)
    }

    /// The table from each case's Dice (`caseDice`), summed in case order: the same bits
    /// however the cases were shared out. A subset's row is the mean over the cases that
    /// allow it (NaN rows are the subsets a case lacks a modality for).
    public func table(perCase: [[[Double]]], caseCount: Int) -> DiceTable {
        let subsets = ModalitySet.allNonEmpty(model.architecture.modalities)
        var totals = [[Double]](repeating: [0, 0, 0], count: subsets.count)
        var counts = [Int](repeating: 0, count: subsets.count)
        for dice in perCase {
            for row in totals.indices where !dice[row][0].isNaN {
                counts[row] += 1
                for column in 0..<3 { totals[row][column] += dice[row][column] }
            }
        }
        let complete = counts.allSatisfy { $0 == caseCount }
        let rows = subsets.indices.filter { counts[$0] > 0 || caseCount == 0 }.map { k in
            DiceTable.Row(available: subsets[k].name(modalityNames), dice: totals[k].map { $0 / Double(max(1, counts[k])) },
                          cases: complete ? nil : counts[k])
        }
        return DiceTable(modalityNames: modalityNames, rows: rows, caseCount: caseCount)
    }

    /// One case's Dice per subset (all 15, in `ModalitySet.allNonEmpty` order) and region
    /// (ET, TC, WT); a subset that needs a modality the case lacks is a row of NaN.
    public func caseDice(_ volume: BraTSVolume) throws -> [[Double]] {
        let allSubsets = ModalitySet.allNonEmpty(model.architecture.modalities)
        var dice = [[Double]](repeating: [.nan, .nan, .nan], count: allSubsets.count)
        guard let targets = volume.targets() else { throw EngineError.invalidArgument("case \(volume.caseID) has no segmentation to score") }
        let own = volume.availableSet
        let indices = allSubsets.indices.filter { allSubsets[$0].mask & ~own.mask == 0 }
        let subsets = indices.map { allSubsets[$0] }
        let voxels = volume.voxelCount
        // Subsets share each tile's encoding, but their probability maps take memory:
        // as many subsets at a time as fit in about 256 MB (all 15 for the phantom).
        let perSubset = model.architecture.outputChannels * voxels * MemoryLayout<Float>.size
        let groupSize = max(1, (256 << 20) / perSubset)
        for groupStart in stride(from: 0, to: subsets.count, by: groupSize) {
            let group = Array(subsets[groupStart..<min(subsets.count, groupStart + groupSize)])
            for (offset, probabilities) in try probabilities(volume, subsets: group).enumerated() {
                // Channels are stored ET, WT, TC; the table reads ET, TC, WT.
                for (column, channel) in [0, 2, 1].enumerated() {
                    let range = (channel * voxels)..<((channel + 1) * voxels)
                    dice[indices[groupStart + offset]][column] = diceScore(prediction: probabilities[range].map { $0 > 0.5 }[...],
                                                                          target: targets[range].map { $0 > 0.5 }[...])
                }
            }
        }
        return dice
    }
}
