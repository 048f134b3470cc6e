import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// The meta steps leave the network's own step alone (method.md 5.1: the network is
/// frozen for the gated step), the schedule's defaults, and the bi-level step's handling
/// of a degenerate ||v||.
final class GatedMetaStepTests: XCTestCase {
    /// Every checkpointed tensor but theta_w's: parameters and the optimiser's (and batch
    /// norms') state, by name.
    func networkState(_ checkpoint: Checkpoint) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: checkpoint.tensors.filter { !$0.name.hasPrefix("theta_w") }.map { ($0.name, $0.values) })
    }

    /// Two trainers from one seed take the same step, one with R = 3 meta-validation
    /// batches: every gradient, the updated parameters and the momentum buffers are
    /// bitwise equal; theta_w took 3 Adam steps in one and none in the other.
    func testGatedStepLeavesTheSegmentationUpdateAsWithoutIt() throws {
        let backend = CPUBackend<Float>()
        var settings = SegmentationTrainingSettings(steps: 4)
        settings.seed = 7
        settings.meta = .gated
        settings.metaEvery = 1
        settings.metaBatches = 3
        func make() throws -> SegmentationTrainer {
            try SegmentationTrainer(model: try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 3), settings: settings)
        }
        let gated = try make(), plain = try make()
        let (input, targets) = try SegmentationTrainingTests.batch(backend)
        let meta = try (0..<3).map { k -> (input: Tensor, targets: Tensor) in
            let (image, target) = try SegmentationTrainingTests.batch(backend, samples: 1)
            try backend.scale(image, by: Float(k + 1), into: image)   // three different crops
            return (image, target)
        }
        let thetaBefore = try backend.download(gated.thetaW)
        let report = try XCTUnwrap(try gated.train(input: input, targets: targets, metaBatches: meta).metaStep)
        XCTAssertNil(try plain.train(input: input, targets: targets, metaBatches: []).metaStep)
        XCTAssertEqual(report.updates, 3)
        XCTAssertEqual(gated.importance.updates, 3)
        XCTAssertEqual(plain.importance.updates, 0)
        XCTAssertNotEqual(try backend.download(gated.thetaW), thetaBefore, "the gated step must move theta_w")
        XCTAssertTrue(try backend.scalar(report.loss).isFinite)
        for (a, b) in zip(gated.model.parameters, plain.model.parameters) {
            XCTAssertEqual(try backend.download(a.gradient), try backend.download(b.gradient), "gradient of \(a.name)")
        }
        // Parameters after the update and the momentum buffers.
        let state = networkState(try gated.checkpoint(metadata: [:]))
        XCTAssertTrue(state.keys.contains { $0.hasSuffix(".momentum") })
        XCTAssertEqual(state, networkState(try plain.checkpoint(metadata: [:])))
    }

    /// AV-MNIST's gated forward runs the batch norms in training mode and the head's
    /// dropout: parameters, gradients, Adam moments and running statistics after the
    /// step are bitwise those of the step without meta-validation pairs.
    func testGatedStepLeavesTheAVMNISTUpdateAsWithoutIt() throws {
        let backend = CPUBackend<Float>()
        var settings = AVMNISTTrainingSettings(steps: 4, stepsPerEpoch: 2)
        settings.seed = 5
        settings.meta = .gated
        settings.metaEvery = 1
        settings.metaBatches = 2
        func make() throws -> AVMNISTTrainer {
            try AVMNISTTrainer(model: try AVMNISTModel(backend, architecture: AVMNISTTrainingTests.tiny, seed: 2), settings: settings)
        }
        let gated = try make(), plain = try make()
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let batch = try data.train.batch(Array(0..<8))
        let complete = data.train.samples.indices.filter { data.train.samples[$0].audioPresent }
        let meta = try gated.metaInput(try data.train.batch(Array(complete.suffix(4))))
        let report = try XCTUnwrap(try gated.train(batch: batch, meta: meta).metaStep)
        XCTAssertNil(try plain.train(batch: batch, meta: nil).metaStep)
        XCTAssertEqual(report.updates, 2)
        XCTAssertEqual(gated.importance.updates, 2)
        for (a, b) in zip(gated.model.parameters, plain.model.parameters) {
            XCTAssertEqual(try backend.download(a.gradient), try backend.download(b.gradient), "gradient of \(a.name)")
        }
        let state = networkState(try gated.checkpoint(metadata: [:]))
        XCTAssertTrue(state.keys.contains { $0.hasSuffix("running_mean") }, "the comparison must include batch-norm statistics")
        XCTAssertEqual(state, networkState(try plain.checkpoint(metadata: [:])))
    }

    /// K and R default to the mode's (the command line's defaults): gated every 100
    /// steps with 20 batches, bi-level every step with one, which is all it takes.
    func testScheduleDefaultsFollowTheMode() throws {
        var settings = SegmentationTrainingSettings(steps: 1000)
        XCTAssertEqual([settings.metaInterval, settings.metaBatchCount], [1, 1])
        settings.meta = .gated
        XCTAssertEqual([settings.metaInterval, settings.metaBatchCount], [100, 20])
        XCTAssertEqual((0..<400).filter(settings.method.metaStepDue(atStep:)), [0, 100, 200, 300])
        var avmnist = AVMNISTTrainingSettings(steps: 10, stepsPerEpoch: 2)
        avmnist.meta = .gated
        XCTAssertEqual([avmnist.metaInterval, avmnist.metaBatchCount], [100, 20])
        settings.meta = .off
        XCTAssertFalse(settings.method.metaStepDue(atStep: 0))
        settings.meta = .bilevel
        settings.metaBatches = 2
        XCTAssertThrowsError(try settings.method.validateMetaSchedule()) { XCTAssertTrue("\($0)".contains("one meta-validation batch"), "\($0)") }
        settings.metaBatches = nil
        settings.metaEvery = 0
        XCTAssertThrowsError(try settings.method.validateMetaSchedule()) { XCTAssertTrue("\($0)".contains("K must be positive"), "\($0)") }
    }

    /// A meta-validation crop with a NaN voxel makes v non-finite: the look-ahead is
    /// counted (metrics and progress fields), theta_w is not updated, and the network's
    /// step is untouched.
    func testNonFiniteLookAheadIsCountedAndSkipsTheUpdate() throws {
        let backend = CPUBackend<Float>()
        var settings = SegmentationTrainingSettings(steps: 2)
        settings.warmupSteps = 2   // every modality: the KD look-ahead runs
        let trainer = try SegmentationTrainer(model: try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 3),
                                              settings: settings)
        let (input, targets) = try SegmentationTrainingTests.batch(backend)
        let (image, target) = try SegmentationTrainingTests.batch(backend, samples: 1)
        var values = try backend.download(image)
        values[17] = Float.nan
        let thetaBefore = try backend.download(trainer.thetaW)
        let report = try XCTUnwrap(try trainer.train(input: input, targets: targets,
                                                     metaBatch: (try backend.upload(values, shape: image.shape), target)).metaStep)
        XCTAssertEqual(report.lookAhead, LookAheadOutcome.nonFiniteNorm)
        XCTAssertEqual(report.updates, 0)
        XCTAssertEqual(trainer.importance.updates, 0)
        XCTAssertEqual(trainer.importance.degenerateLookAheads, DegenerateLookAheads(zeroNorm: 0, nonFiniteNorm: 1))
        XCTAssertEqual(try backend.download(trainer.thetaW), thetaBefore)
        XCTAssertEqual(trainer.importance.metricsEntries(mode: .bilevel)["lookahead_nonfinite_norm"] as? Int, 1)
        XCTAssertTrue(trainer.importance.progressFields(mode: .bilevel).contains { $0.0 == "|v| zero/non-finite" && $0.1 == "0/1" })
        for parameter in trainer.model.parameters {
            XCTAssertTrue(try backend.download(parameter.value).allSatisfy(\.isFinite), "\(parameter.name) must stay finite")
        }
        // The counters survive a checkpoint.
        let restored = try SegmentationTrainer(model: try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 3),
                                               settings: settings)
        try restored.restore(from: try trainer.checkpoint(metadata: [:]), file: "memory")
        XCTAssertEqual(restored.importance.degenerateLookAheads, trainer.importance.degenerateLookAheads)
    }
}
