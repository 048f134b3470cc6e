import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// Fill-in with missing modalities (method.md section 2), one set per sample, of the
/// bottleneck and (with `fillSkips`) of the skips: the forward against features filled
/// on the host, the backward against central differences, in Double on the CPU reference.
final class FillInTests: XCTestCase {
    let backend = CPUBackend<Double>()
    /// Sample 0 has FLAIR and T1ce, sample 1 T1 only, sample 2 all three.
    let sets = [[0, 2], [1], [0, 1, 2]]

    func model(fillSkips: Bool) throws -> SegmentationModel {
        var architecture = SegmentationArchitecture(channels: [2, 3], modalities: 3, outputChannels: 2, standardizeWeights: true)
        architecture.fillSkips = fillSkips
        return try SegmentationModel(backend, architecture: architecture, seed: 8)
    }

    func availability() throws -> PerSampleAvailability { try PerSampleAvailability(try sets.map { try ModalitySet($0, of: 3) }) }

    func input() throws -> Tensor {
        let input = try backend.makeTensor(shape: [3, 3, 4, 4, 4])
        try backend.fillRandom(input, .normal(mean: 0, standardDeviation: 1), seed: 4, stream: 0)
        return input
    }

    /// decode(features, per-sample sets) = decode(features filled on the host, every
    /// modality present): missing slot m of sample n holds the mean of the sample's
    /// available slots (at every level with fillSkips, at the bottleneck otherwise).
    func testForwardEqualsDecodingFeaturesFilledByHand() throws {
        for fillSkips in [false, true] {
            let model = try model(fillSkips: fillSkips)
            let availability = try availability()
            let features = try model.encode(try input(), availability: availability)
            let logits = try backend.values(try model.decode(features, availability: availability))
            let filled = try features.enumerated().map { level, feature -> Tensor in
                var values = try backend.values(feature)
                guard level == features.count - 1 || fillSkips else { return feature }
                let slot = feature.count / feature.shape[0]
                for (n, members) in sets.enumerated() {
                    for m in 0..<3 where !members.contains(m) {
                        for v in 0..<slot {
                            values[(n * 3 + m) * slot + v] = members.map { values[(n * 3 + $0) * slot + v] }.reduce(0, +) / Double(members.count)
                        }
                    }
                }
                return try backend.uploadScalars(values, shape: feature.shape)
            }
            let expected = try backend.values(try model.decode(filled, available: .all(3)))
            let scale = expected.map(abs).max()!
            XCTAssertGreaterThan(scale, 0.01)
            for (a, b) in zip(logits, expected) { XCTAssertEqual(a, b, accuracy: 1e-12 * scale, "fillSkips \(fillSkips)") }
            // Filling the skips changes the prediction (the check above is not vacuous).
            if fillSkips {
                let unfilledSkips = try backend.values(try self.model(fillSkips: false).decode(features, availability: availability))
                XCTAssertGreaterThan(zip(logits, unfilledSkips).map { abs($0 - $1) }.max()!, 1e-6)
            }
        }
    }

    /// grad_theta of L = sum(logits * r) against central differences. With fillSkips the
    /// encoder's passes over zeroed inputs feed nothing, so every parameter's gradient is
    /// the true one; without it their skip outputs (the response to zeros) reach the
    /// decoder but get no gradient by design (docs/training.md), so the decoder's
    /// parameters are checked.
    func testBackwardMatchesFiniteDifferences() throws {
        for fillSkips in [true, false] {
            let model = try model(fillSkips: fillSkips)
            let availability = try availability(), input = try input()
            let logitsShape = Shape([3, 2, 4, 4, 4])
            let r = try backend.makeTensor(shape: logitsShape)
            try backend.fillRandom(r, .normal(mean: 0, standardDeviation: 1), seed: 4, stream: 1)
            let weights = try backend.values(r)
            func loss() throws -> Double {
                zip(try backend.values(try model.forward(input, availability: availability).logits), weights).map(*).reduce(0, +)
            }
            _ = try loss()
            try model.backward(gradLogits: r)
            let checked = try assertGradientsMatchFiniteDifferences(fillSkips ? model.parameters : model.decoder.parameters,
                                                                    entriesPerTensor: 4, "fillSkips \(fillSkips)", loss)
            XCTAssertGreaterThan(checked, fillSkips ? 60 : 30)
        }
    }

    /// Each parameter's gradient (as the last backward left it) at up to `entriesPerTensor`
    /// entries spread over the tensor against central differences of `loss` (step 1e-6);
    /// returns how many entries were checked.
    func assertGradientsMatchFiniteDifferences(_ parameters: [Parameter], entriesPerTensor: Int, _ what: String,
                                               _ loss: () throws -> Double) throws -> Int {
        let analytic = try parameters.map { try backend.values($0.gradient) }
        var count = 0
        for (parameter, gradient) in zip(parameters, analytic) {
            let values = try backend.values(parameter.value)
            for index in Set(stride(from: 0, to: values.count, by: max(1, values.count / entriesPerTensor))) {
                var probe = values
                probe[index] = values[index] + 1e-6
                try backend.copy(try backend.uploadScalars(probe, shape: parameter.value.shape), to: parameter.value)
                let plus = try loss()
                probe[index] = values[index] - 1e-6
                try backend.copy(try backend.uploadScalars(probe, shape: parameter.value.shape), to: parameter.value)
                let minus = try loss()
                try backend.copy(try backend.uploadScalars(values, shape: parameter.value.shape), to: parameter.value)
                let numeric = (plus - minus) / 2e-6
                XCTAssertEqual(gradient[index], numeric, accuracy: 1e-6 + 1e-4 * abs(numeric), "\(what): \(parameter.name)[\(index)]")
                count += 1
            }
        }
        return count
    }

    /// A training step with one modality subset per sample (`perSampleSubsets`): the
    /// gradient of L_train = Dice + BCE + lambda L_kd (KD grouped by set, each group
    /// weighted by its share of the batch; undetached MSE, so the gradient is the true
    /// one; filled skips) against central differences.
    func testPerSampleTrainingGradientMatchesFiniteDifferences() throws {
        var settings = SegmentationTrainingSettings(steps: 1)
        settings.perSampleSubsets = true
        settings.distillation = .meanSquared
        settings.distillationWeight = 0.5
        settings.detachTeacher = false
        // A seed whose draw gives three different sets, two of them with a KD pair.
        settings.seed = try XCTUnwrap((0..<200).first { seed in
            let sets = try! ModalityDropout(modalityCount: 3, seed: seed).subsets(atStep: 0, samples: 3).sets
            return Set(sets).count == 3 && sets.filter { $0.members.count >= 2 }.count == 2
        })
        let model = try model(fillSkips: true)
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let input = try input()
        let targets = try backend.makeTensor(shape: [3, 2, 4, 4, 4])
        try backend.fillRandom(targets, .uniform(low: 0, high: 1), seed: 4, stream: 2)
        func loss() throws -> Double {
            let step = try trainer.computeTrainingGradient(input: input, targets: targets)
            return try backend.values(step.dice)[0] + backend.values(step.crossEntropy)[0] + 0.5 * backend.values(try XCTUnwrap(step.distillation))[0]
        }
        _ = try loss()
        let sets = try trainer.availability(samples: 3).sets
        XCTAssertEqual(Set(sets).count, 3)
        XCTAssertGreaterThan(try assertGradientsMatchFiniteDifferences(model.parameters, entriesPerTensor: 3, "per-sample subsets", loss), 50)
        // L_kd by hand: the mean over the 3 samples of each one's pair sum over its own set.
        let step = try trainer.computeTrainingGradient(input: input, targets: targets)
        let f = try backend.values(step.bottleneck), theta = try backend.values(trainer.thetaW)
        let slot = f.count / 9
        var expected = 0.0
        for (n, set) in sets.enumerated() {
            for i in set.members { for j in set.members where j != i {
                let distance = (0..<slot).map { v in pow(f[(n * 3 + i) * slot + v] - f[(n * 3 + j) * slot + v], 2) }.reduce(0, +) / Double(slot)
                expected += exp(theta[i] - theta[j]) * distance / 3
            } }
        }
        // The groups' shares (1/3 each) reach the engine as Float scalars (axpy's alpha): 1e-7.
        XCTAssertEqual(try backend.values(try XCTUnwrap(step.distillation))[0], expected, accuracy: 1e-7 * expected)
    }
}
