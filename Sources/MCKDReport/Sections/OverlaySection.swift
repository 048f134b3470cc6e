import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining

/// Slice overlays of a few test cases: ground truth, then predictions with all
/// modalities, without T1ce and without FLAIR.
enum OverlaySection {
    static func make(_ run: RunFolder, backend: (any Backend)?, cases: Int, say: (String) -> Void) -> ReportSection {
        var section = ReportSection(id: "overlays", title: "Slice overlays on test cases")
        guard run.hasCheckpoint else {
            section.missing.append("checkpoint is missing: the model cannot be reloaded to predict")
            return section
        }
        guard cases > 0 else {
            section.missing.append("no overlays were asked for (--cases 0)")
            return section
        }
        guard let backend else {
            section.missing.append("no device was given to run the model (overlays skipped)")
            return section
        }
        do {
            let trained = try TrainedRun<BraTSTask>(directory: run.directory, backend: backend)
            let test = try trained.configuration.loadSplit { _ in }.test   // files; each shown case is read when drawn
            guard !test.isEmpty else {
                section.missing.append("the run has no test cases")
                return section
            }
            var body = "<p class=\"note\">Model at step \(trained.step); axial slice through each case's largest tumour area (anterior up); "
                + "modalities the prediction did not get are dimmed and framed in red dashes. Per-case Dice (ET / TC / WT, %) is given for each prediction.</p>"
            body += BraTSOverlay.legendHTML()
            for brainCase in test.prefix(cases) {
                let volume = try BraTSCaseLoader.load(brainCase, requireSegmentation: true)
                let subsets = BraTSOverlay.reportSubsets(for: volume)
                say("report: predicting test case \(volume.caseID) with \(subsets.count) modality subsets")
                let predictions = try BraTSOverlay.predictLabels(trained, volume: volume, subsets: subsets.map(\.subset))
                body += try caseFigure(volume, subsets: subsets, predictions: predictions)
            }
            if test.count > cases { body += "<p class=\"note\">\(cases) of \(test.count) test cases shown.</p>" }
            section.body = body
        } catch {
            section.missing.append("predictions could not be made: \(error)")
        }
        return section
    }

    static func caseFigure(_ volume: BraTSVolume, subsets: [(title: String, subset: ModalitySet)], predictions: [[UInt8]]) throws -> String {
        let z = BraTSOverlay.slice(volume, predictions: predictions)
        let scale = SliceOverlay.scale(for: volume.shape)
        var html = "<h3>\(Escaping.escape(volume.caseID)) — axial slice \(z) of \(volume.shape[0])</h3><table class=\"overlay\"><tr><th></th>"
            + TaskKind.brats.modalityNames.map { "<th>\($0)</th>" }.joined() + "</tr>"
        func row(_ title: String, labels: [UInt8]?, subset: ModalitySet?) throws -> String {
            var cells = "<tr><th class=\"rowhead\">\(title)</th>"
            for m in 0..<4 {
                let absent = subset.map { !$0.contains(m) } ?? false
                let image = try SliceOverlay.panel(volume, modality: m, slice: z, labels: labels, scale: scale, dimmed: absent)
                cells += "<td\(absent ? " class=\"absent\"" : "")><img alt=\"\(TaskKind.brats.modalityNames[m])\(absent ? " (not given)" : "")\" "
                    + "width=\"\(image.width)\" height=\"\(image.height)\" src=\"\(try PNGEncoder.dataURI(image))\"></td>"
            }
            return cells + "</tr>"
        }
        html += try row("ground truth", labels: volume.labels, subset: nil)
        for ((title, subset), labels) in zip(subsets, predictions) {
            var heading = "prediction, " + Escaping.escape(title)
            if let truth = volume.labels {
                heading += "<br><small>Dice " + BraTSOverlay.dice(prediction: labels, truth: truth).map { String(format: "%.0f", 100 * $0) }
                    .joined(separator: " / ") + "</small>"
            }
            html += try row(heading, labels: labels, subset: subset)
        }
        return html + "</table>"
    }
}
