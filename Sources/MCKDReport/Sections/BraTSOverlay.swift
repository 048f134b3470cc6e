import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining

/// Predictions of a trained run turned into label maps and overlay figures (shared by
/// the report's overlay section and `mckd predict --png`).
public enum BraTSOverlay {
    /// The subsets the report shows: everything, without T1ce, without FLAIR.
    public static let reportSubsets: [(title: String, subset: ModalitySet)] = [
        ("all four modalities", ModalitySet.all(4)),
        ("without T1ce", try! ModalitySet([0, 1, 3], of: 4)),
        ("without FLAIR", try! ModalitySet([1, 2, 3], of: 4)),
    ]

    /// The report's subsets for one case: those above, restricted to the modalities the
    /// case has (a case lacking some cannot be shown with them), without repeats or empties.
    public static func reportSubsets(for volume: BraTSVolume) -> [(title: String, subset: ModalitySet)] {
        guard !volume.isComplete else { return reportSubsets }
        let own = volume.availableSet
        var result: [(title: String, subset: ModalitySet)] = []
        for (index, (title, subset)) in reportSubsets.enumerated() {
            let kept = try! ModalitySet(subset.members.filter(own.contains), of: subset.modalityCount)
            guard !kept.members.isEmpty, !result.contains(where: { $0.subset == kept }) else { continue }
            result.append(("\(index == 0 ? "all the case has" : title): \(kept.name(TaskKind.brats.modalityNames))", kept))
        }
        return result
    }

    /// One label map (0, 1, 2, 4) per subset.
    public static func predictLabels(_ trained: TrainedRun<BraTSTask>, volume: BraTSVolume, subsets: [ModalitySet]) throws -> [[UInt8]] {
        try trained.labelMaps(volume, subsets: subsets).map { $0.map { UInt8($0) } }
    }

    /// Per-case Dice of a label map against the ground truth, in ET, TC, WT order.
    public static func dice(prediction: [UInt8], truth: [UInt8]) -> [Double] {
        [Set<UInt8>([4]), [1, 4], [1, 2, 4]].map { region in
            diceScore(prediction: prediction.map { region.contains($0) }[...], target: truth.map { region.contains($0) }[...])
        }
    }

    /// The axial slice to show: the ground truth's largest tumour area, else the first
    /// prediction's.
    public static func slice(_ volume: BraTSVolume, predictions: [[UInt8]]) -> Int {
        if let labels = volume.labels, labels.contains(where: { $0 != 0 }) {
            return SliceOverlay.largestTumourSlice(labels: labels, shape: volume.shape)
        }
        return SliceOverlay.largestTumourSlice(labels: predictions.first ?? [], shape: volume.shape)
    }

    /// A grid figure: the four modalities across; a ground-truth row (when the case has
    /// labels), then one row per prediction, modalities the prediction did not see dimmed.
    public static func figure(_ volume: BraTSVolume, predictions: [(subset: ModalitySet, labels: [UInt8])]) throws -> RasterImage {
        let z = slice(volume, predictions: predictions.map(\.labels))
        let scale = SliceOverlay.scale(for: volume.shape)
        var rows: [[RasterImage]] = []
        if let truth = volume.labels {
            rows.append(try (0..<4).map { try SliceOverlay.panel(volume, modality: $0, slice: z, labels: truth, scale: scale) })
        }
        for prediction in predictions {
            rows.append(try (0..<4).map {
                try SliceOverlay.panel(volume, modality: $0, slice: z, labels: prediction.labels, scale: scale,
                                       dimmed: !prediction.subset.contains($0))
            })
        }
        return try SliceOverlay.grid(rows)
    }

    /// The legend of the outline colours as HTML.
    public static func legendHTML() -> String {
        "<p class=\"note\">Outlines: " + SliceOverlay.regions.map {
            "<span class=\"legend-swatch\" style=\"background:\($0.colour.hex)\"></span>\(Escaping.escape($0.name))"
        }.joined() + ".</p>"
    }
}
