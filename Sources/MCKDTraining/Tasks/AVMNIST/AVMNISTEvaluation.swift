import Foundation
import MCKDData
import MCKDEngine

/// AV-MNIST accuracy with both modalities, the image only and the audio only (method.md
/// section 6), with confusion matrices and the first predictions. Its JSON form
/// (`evaluation.json`) is a fixed schema that reports read:
///
///     {"task": "avmnist", "sampleCount": N, "audioRate": percent or null, "visualRate": percent or null,
///      "accuracy": {"both": f, "image": f, "audio": f},
///      "confusion": {"both": [[Int]], "image": [[Int]], "audio": [[Int]]}   (rows true, columns predicted),
///      "predictions": [{"index": i, "label": y, "both": p, "image": p, "audio": p}]   (the first 16 test pairs)}
public struct AVMNISTEvaluation: Codable, Equatable, RunEvaluation {
    /// The three settings, in table order, with the modality set each uses.
    public static let subsets: [(name: String, set: ModalitySet)] = [
        ("both", .all(2)), ("image", try! ModalitySet([0], of: 2)), ("audio", try! ModalitySet([1], of: 2)),
    ]
    public static let predictionsListed = 16

    public struct Prediction: Codable, Equatable {
        public let index: Int, label: Int, both: Int, image: Int, audio: Int

        public init(index: Int, label: Int, both: Int, image: Int, audio: Int) {
            (self.index, self.label, self.both, self.image, self.audio) = (index, label, both, image, audio)
        }

        /// The prediction with the inputs of `subset` ("both", "image" or "audio").
        public func predicted(_ subset: String) -> Int { subset == "image" ? image : subset == "audio" ? audio : both }
    }

    /// The subsets' names in table order: both, image, audio.
    public static var subsetNames: [String] { subsets.map(\.name) }

    public let sampleCount: Int
    /// Percent of training samples that kept their audio / image (nil: every sample).
    public let audioRate: Double?
    public let visualRate: Double?
    /// Per subset name: the confusion matrix [true][predicted].
    public let confusion: [String: [[Int]]]
    public let predictions: [Prediction]

    public init(sampleCount: Int, audioRate: Double?, visualRate: Double?, confusion: [String: [[Int]]], predictions: [Prediction]) {
        self.sampleCount = sampleCount
        self.audioRate = audioRate
        self.visualRate = visualRate
        self.confusion = confusion
        self.predictions = predictions
    }

    /// Fraction correct for a subset name (the confusion matrix's trace over its total).
    /// Accuracy per subset whose confusion matrix is recorded.
    public var accuracies: [String: Double] {
        Dictionary(uniqueKeysWithValues: Self.subsetNames.filter { confusion[$0] != nil }.map { ($0, accuracy($0)) })
    }

    public func accuracy(_ subset: String) -> Double {
        guard let matrix = confusion[subset] else { return 0 }
        let total = matrix.joined().reduce(0, +)
        return total == 0 ? 0 : Double(matrix.indices.reduce(0) { $0 + matrix[$1][$1] }) / Double(total)
    }

    /// Predicts every test pair under the three settings in evaluation mode (batch-norm
    /// running statistics, no dropout); the model is left in training mode.
    public static func evaluate(model: AVMNISTModel, split: AVMNISTSplit, batchSize: Int = 150,
                                audioRate: Double?, visualRate: Double?) throws -> AVMNISTEvaluation {
        let backend = model.backend
        let classes = model.architecture.classes
        model.setTraining(false)
        defer { model.setTraining(true) }
        var predicted: [String: [Int]] = [:]
        for (name, set) in subsets {
            var labels: [Int] = []
            for start in stride(from: 0, to: split.count, by: max(1, batchSize)) {
                let batch = try split.batch(Array(start..<min(start + batchSize, split.count)))
                let input = try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(uniform: set, samples: batch.count),
                                             backend: backend)
                let logits = try backend.download(try model.forward(input).logits)
                labels += (0..<batch.count).map { n in
                    let row = logits[(n * classes)..<((n + 1) * classes)]
                    return row.indices.max { row[$0] < row[$1] }! - n * classes
                }
            }
            predicted[name] = labels
        }
        var confusion: [String: [[Int]]] = [:]
        for (name, _) in subsets {
            var matrix = Array(repeating: Array(repeating: 0, count: classes), count: classes)
            for (sample, guess) in zip(split.samples, predicted[name]!) { matrix[sample.label][guess] += 1 }
            confusion[name] = matrix
        }
        let listed = (0..<min(predictionsListed, split.count)).map { i in
            Prediction(index: i, label: split.samples[i].label, both: predicted["both"]![i], image: predicted["image"]![i],
                       audio: predicted["audio"]![i])
        }
        return AVMNISTEvaluation(sampleCount: split.count, audioRate: audioRate, visualRate: visualRate,
                                 confusion: confusion, predictions: listed)
    }

    private enum Key: String, CodingKey {
        case task, sampleCount, audioRate, visualRate, accuracy, confusion, predictions, both, image, audio
    }

    /// Reads evaluation.json back (the report); accuracies follow from the matrices.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        sampleCount = try container.decode(Int.self, forKey: .sampleCount)
        audioRate = try container.decodeIfPresent(Double.self, forKey: .audioRate)
        visualRate = try container.decodeIfPresent(Double.self, forKey: .visualRate)
        confusion = try container.decode([String: [[Int]]].self, forKey: .confusion)
        predictions = try container.decode([Prediction].self, forKey: .predictions)
    }

    /// The fixed schema; rates are written as null (not left out) when absent.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode("avmnist", forKey: .task)
        try container.encode(sampleCount, forKey: .sampleCount)
        try container.encode(audioRate, forKey: .audioRate)
        try container.encode(visualRate, forKey: .visualRate)
        var accuracies = container.nestedContainer(keyedBy: Key.self, forKey: .accuracy)
        var matrices = container.nestedContainer(keyedBy: Key.self, forKey: .confusion)
        for (name, _) in Self.subsets {
            let key = Key(rawValue: name)!
            try accuracies.encode(accuracy(name), forKey: key)
            try matrices.encode(confusion[name] ?? [], forKey: key)
        }
        try container.encode(predictions, forKey: .predictions)
    }

    /// The accuracy table as printed: one row per setting.
    public func formatted() -> String {
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = ["inputs" + String(repeating: " ", count: 3) + pad("accuracy", 9) + pad("correct", 10)]
        for (name, _) in Self.subsets {
            let matrix = confusion[name] ?? []
            let correct = matrix.indices.reduce(0) { $0 + matrix[$1][$1] }
            lines.append(name.padding(toLength: 9, withPad: " ", startingAt: 0) + pad(String(format: "%.2f%%", 100 * accuracy(name)), 9)
                         + pad("\(correct)/\(sampleCount)", 10))
        }
        return lines.joined(separator: "\n")
    }

    /// evaluation.csv: subset, accuracy (fraction), correct, total.
    public func csv() -> String {
        var lines = ["subset,accuracy,correct,total"]
        for (name, _) in Self.subsets {
            let matrix = confusion[name] ?? []
            let correct = matrix.indices.reduce(0) { $0 + matrix[$1][$1] }
            lines.append("\(name),\(String(format: "%.6f", accuracy(name))),\(correct),\(sampleCount)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
