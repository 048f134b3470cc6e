import Foundation
import MCKDData
import MCKDTraining

/// AV-MNIST: accuracy by available modality, confusion matrices and a few test pairs.
enum AVMNISTSections {
    static let modeTitles = ["both": "image + audio", "image": "image only", "audio": "audio only"]

    static func decode(_ run: RunFolder) -> (AVMNISTEvaluation?, String?) {
        guard let data = run.evaluation else { return (nil, run.evaluationProblem ?? "evaluation.json is missing") }
        do { return (try JSONDecoder().decode(AVMNISTEvaluation.self, from: data), nil) } catch {
            return (nil, "evaluation.json is not an AV-MNIST evaluation (\(error))")
        }
    }

    /// Rates are percentages of the training pairs; the run writes null for 100% (every pair).
    static func rate(_ value: Double?) -> String { value.map { String(format: "%g%%", $0) } ?? "100% (every pair)" }

    static func accuracy(_ run: RunFolder, baseline: RunFolder?) -> ReportSection {
        var section = ReportSection(id: "accuracy", title: "Accuracy by available modality")
        let (evaluation, problem) = decode(run)
        guard let evaluation else { section.missing.append(problem!); return section }
        let bars = AVMNISTEvaluation.subsetNames.enumerated().compactMap { index, mode in
            evaluation.accuracies[mode].map { (label: modeTitles[mode]!, value: 100 * $0, colour: ColourMap.series[index]) }
        }
        let missingModes = AVMNISTEvaluation.subsetNames.filter { evaluation.accuracies[$0] == nil }
        if !missingModes.isEmpty { section.missing.append("no accuracy for: " + missingModes.joined(separator: ", ")) }
        var body = "<div class=\"row\">"
        if let svg = try? BarChart(title: "Test accuracy (\(evaluation.sampleCount) pairs)", yLabel: "accuracy (%)", bars: bars, yRange: 0...100,
                                   format: { String(format: "%.1f%%", $0) }).svg() { body += svg }
        body += "<table class=\"facts\" id=\"accuracy-table\"><tr><th>training audio rate</th><td>\(rate(evaluation.audioRate))</td></tr>"
            + "<tr><th>training visual rate</th><td>\(rate(evaluation.visualRate))</td></tr>"
        for mode in AVMNISTEvaluation.subsetNames {
            if let value = evaluation.accuracies[mode] {
                body += "<tr><th>accuracy, \(modeTitles[mode]!)</th><td data-value=\"\(value)\">\(String(format: "%.1f%%", 100 * value))</td></tr>"
            }
        }
        if let baseline {
            let (base, baseProblem) = decode(baseline)
            if let base {
                for mode in AVMNISTEvaluation.subsetNames {
                    if let value = evaluation.accuracies[mode], let other = base.accuracies[mode] {
                        body += "<tr><th>vs \(Escaping.escape(baseline.name)), \(modeTitles[mode]!)</th><td>\(String(format: "%+.1f pp", 100 * (value - other)))</td></tr>"
                    }
                }
            } else {
                section.missing.append("baseline \(baseline.directory.path): \(baseProblem!)")
            }
        }
        body += "</table></div><p class=\"note\">The rates are the fractions of training pairs that kept their audio / image "
            + "(a run's missing-modality condition); test pairs always have both, and each mode zeroes the other modality.</p>"
        section.body = body
        return section
    }

    static func confusion(_ run: RunFolder) -> ReportSection {
        var section = ReportSection(id: "confusion", title: "Confusion matrices")
        let (evaluation, problem) = decode(run)
        guard let evaluation else { section.missing.append(problem!); return section }
        var body = "<div class=\"row\">"
        for mode in AVMNISTEvaluation.subsetNames {
            guard let matrix = evaluation.confusion[mode], matrix.count == 10, matrix.allSatisfy({ $0.count == 10 }) else {
                section.missing.append("no 10 x 10 confusion matrix for \(mode)")
                continue
            }
            // Colour by the share of the true class (rows), so classes of any size compare.
            let rows = matrix.enumerated().map { digit, counts in
                HeatMapTable.Row(header: "\(digit)", values: counts.map { Double($0) })
            }
            let totals = matrix.map { max(1, $0.reduce(0, +)) }
            let table = HeatMapTable(caption: modeTitles[mode]!, cornerHeader: "true \\ pred.", columnHeaders: (0...9).map { "\($0)" }, rows: rows,
                                     colour: { value, row, _ in ColourMap.blues.colour(at: value / Double(totals[row])) },
                                     format: { String(Int($0)) })
            body += "<div>" + table.html(id: "confusion-\(mode)", compact: true) + "</div>"
        }
        body += "</div>" + ColourScaleLegend.svg(.blues, low: "0", middle: nil, high: "all of the true class", caption: "share of the row (true digit)")
        body += "<p class=\"note\">Rows: true digit; columns: predicted digit; cells: test-pair counts.</p>"
        section.body = body
        return section
    }

    static func pairs(_ run: RunFolder, cachePath: String?, limit: Int) -> ReportSection {
        var section = ReportSection(id: "pairs", title: "Test pairs and their predictions")
        let (evaluation, problem) = decode(run)
        guard let evaluation else { section.missing.append(problem!); return section }
        guard !evaluation.predictions.isEmpty else { section.missing.append("evaluation.json lists no predictions"); return section }
        let path = cachePath ?? AVMNISTCache.defaultFile().path
        guard FileManager.default.fileExists(atPath: path) else {
            section.missing.append("the AV-MNIST cache \(path) is absent (build it with scripts/setup-avmnist); the pairs' images and MFCCs cannot be shown")
            section.body = predictionList(evaluation.predictions.prefix(limit), test: nil)
            return section
        }
        do {
            // The run's own data configuration rebuilds exactly the test pairs it was evaluated on.
            let configuration = try RunConfiguration.read(AVMNISTRunConfiguration.self, from: run.directory)
            let dataset = try AVMNISTDataset(cachePath: path, configuration: configuration.dataConfiguration)
            section.body = "<p class=\"note\">Left: the MNIST image (28 × 28, upscaled). Right: the spoken digit's MFCCs "
                + "(\(dataset.test.audioHeight) coefficients × \(dataset.test.audioWidth) frames, coefficient 0 at the bottom and scaled on its own, the others together; viridis from low to high).</p>"
                + predictionList(evaluation.predictions.prefix(limit), test: dataset.test)
        } catch {
            section.missing.append("the AV-MNIST cache could not be read: \(error)")
            section.body = predictionList(evaluation.predictions.prefix(limit), test: nil)
        }
        return section
    }

    static func predictionList(_ predictions: ArraySlice<AVMNISTEvaluation.Prediction>, test: AVMNISTSplit?) -> String {
        var html = "<div class=\"pairs\">"
        for prediction in predictions {
            html += "<div class=\"pair\">"
            if let test, (0..<test.count).contains(prediction.index), let images = try? pairImages(test, index: prediction.index) {
                html += "<div class=\"images\"><img alt=\"digit image\" width=\"\(images.image.width)\" height=\"\(images.image.height)\" src=\"\(images.imageURI)\">"
                    + "<img alt=\"MFCC\" width=\"\(images.mfcc.width)\" height=\"\(images.mfcc.height)\" src=\"\(images.mfccURI)\"></div>"
            }
            html += "<div>test pair \(prediction.index), label <strong>\(prediction.label)</strong></div>"
            for mode in AVMNISTEvaluation.subsetNames {
                let predicted = prediction.predicted(mode)
                html += "<div>\(modeTitles[mode]!): <span class=\"\(predicted == prediction.label ? "ok" : "wrong")\">\(predicted)</span></div>"
            }
            html += "</div>"
        }
        return html + "</div>"
    }

    /// The pair's image (grey, 4x) and MFCC heat map (5x) as PNGs.
    static func pairImages(_ test: AVMNISTSplit, index: Int) throws
        -> (image: RasterImage, imageURI: String, mfcc: RasterImage, mfccURI: String) {
        let side = MNISTImages.side
        // Features are (x / 255 - 0.5) / 0.5: back to [0, 1].
        let pixels = test.imageFeatures[(index * side * side)..<((index + 1) * side * side)].map { $0 * 0.5 + 0.5 }
        let image = try RasterImage.mapping(Array(pixels), width: side, height: side, range: 0...1, colourMap: .grey).upscaled(by: 4)
        let (rows, columns) = (test.audioHeight, test.audioWidth)
        let values = Array(test.audioFeatures[(index * rows * columns)..<((index + 1) * rows * columns)])
        // Coefficient 0 (log energy) spans most of the clip's range and would flatten the
        // rest: it is scaled on its own, coefficients 1... together (their relative sizes kept).
        let rest = values[columns...]
        let ranges = [(values[..<columns].min() ?? 0, values[..<columns].max() ?? 1), (rest.min() ?? 0, rest.max() ?? 1)]
        var display = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            let (low, high) = ranges[row == 0 ? 0 : 1]
            for column in 0..<columns {
                display[(rows - 1 - row) * columns + column] = high > low ? (values[row * columns + column] - low) / (high - low) : 0.5
            }
        }
        let mfcc = try RasterImage.mapping(display, width: columns, height: rows, range: 0...1, colourMap: .viridis)
            .upscaled(by: max(1, 112 / max(rows, columns)))
        return (image, try PNGEncoder.dataURI(image), mfcc, try PNGEncoder.dataURI(mfcc))
    }
}
