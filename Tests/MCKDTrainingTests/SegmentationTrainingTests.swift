import MCKDEngine
import MCKDTraining
import XCTest

/// End-to-end checks of the segmentation model and its training step on tiny inputs.
final class SegmentationTrainingTests: XCTestCase {
    static let tiny = SegmentationArchitecture(channels: [4, 8], modalities: 4, outputChannels: 3, standardizeWeights: true)

    /// A deterministic batch: 4 random modality volumes and targets from a sphere.
    static func batch(_ backend: any Backend, size: Int = 8, samples: Int = 2) throws -> (input: Tensor, targets: Tensor) {
        let input = try backend.makeTensor(shape: [samples, 4, size, size, size])
        try backend.fillRandom(input, .normal(mean: 0, standardDeviation: 1), seed: 5, stream: 0)
        var targets = [Float](repeating: 0, count: samples * 3 * size * size * size)
        let centre = Float(size - 1) / 2
        for n in 0..<samples {
            for c in 0..<3 {
                for z in 0..<size { for y in 0..<size { for x in 0..<size {
                    let r = ((Float(z) - centre) * (Float(z) - centre) + (Float(y) - centre) * (Float(y) - centre)
                             + (Float(x) - centre) * (Float(x) - centre)).squareRoot()
                    targets[(((n * 3 + c) * size + z) * size + y) * size + x] = r < Float(size) / Float(3 + c) ? 1 : 0
                } } }
            }
        }
        return (input, try backend.upload(targets, shape: [samples, 3, size, size, size]))
    }

    func testSummaryListsEveryStageAndAddsUp() throws {
        let model = try SegmentationModel(CPUBackend<Float>(), architecture: .small, seed: 1)
        let summary = model.summary(crop: [32, 32, 32])
        XCTAssertTrue(summary.contains("level 2:") && summary.contains("decoder level 0:") && summary.contains("head:"), summary)
        XCTAssertTrue(summary.contains("-> 32x8x8x8"), "bottleneck shape of a 32^3 crop: \(summary)")
        let stageCounts = summary.split(separator: "\n").filter { !$0.hasPrefix("total") }.compactMap { line -> Int? in
            guard let range = line.range(of: #", (\d+) parameters$"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(2).split(separator: " ")[0])
        }
        XCTAssertEqual(stageCounts.count, 6)
        XCTAssertEqual(stageCounts.reduce(0, +), model.parameterCount)
        XCTAssertTrue(summary.hasSuffix("total: \(model.parameterCount) parameters"))
    }

    func testRandomDropoutFromAFreshInitialisationStaysFinite() throws {
        let backend = CPUBackend<Float>()
        let model = try SegmentationModel(backend, architecture: Self.tiny, seed: 1)
        var settings = SegmentationTrainingSettings(steps: 20)
        settings.seed = 3
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let (input, targets) = try Self.batch(backend)
        var sawSingleModality = false
        for step in 0..<20 {
            let losses = try trainer.train(input: input, targets: targets)
            sawSingleModality = sawSingleModality || losses.availability.sets[0].members.count == 1
            for parameter in model.parameters {
                let gradient = try backend.download(parameter.gradient)
                XCTAssertTrue(gradient.allSatisfy(\.isFinite), "step \(step) (\(losses.availability.sets)): \(parameter.name) has a non-finite gradient")
            }
            XCTAssertTrue(try backend.scalar(losses.dice).isFinite && backend.scalar(losses.crossEntropy).isFinite)
        }
        XCTAssertTrue(sawSingleModality, "the test must exercise a single-modality batch")
    }

    func testLossDecreasesWhenOverfittingOneBatch() throws {
        for backend in [CPUBackend<Float>() as any Backend, try OpenCLBackend(device: try OpenCLDevice.all()[0])] {
            let model = try SegmentationModel(backend, architecture: Self.tiny, seed: 2)
            var settings = SegmentationTrainingSettings(steps: 30)
            settings.warmupSteps = 30   // all modalities: a fixed task to overfit
            settings.momentum = 0.9
            let trainer = try SegmentationTrainer(model: model, settings: settings)
            let (input, targets) = try Self.batch(backend)
            func total(_ losses: SegmentationLosses) throws -> Float {
                try backend.scalar(losses.dice) + backend.scalar(losses.crossEntropy)
            }
            let first = try total(try trainer.train(input: input, targets: targets))
            var last = first
            for _ in 1..<30 { last = try total(try trainer.train(input: input, targets: targets)) }
            XCTAssertLessThan(last, 0.7 * first, "\(backend.name): loss \(first) -> \(last)")
        }
    }

    func testOpenCLAndCPUAgreeOnTheFirstSteps() throws {
        for meta in MetaMode.allCases {
            var losses: [[Float]] = []
            for backend in [CPUBackend<Float>() as any Backend, try OpenCLBackend(device: try OpenCLDevice.all()[0])] {
                let model = try SegmentationModel(backend, architecture: Self.tiny, seed: 4)
                var settings = SegmentationTrainingSettings(steps: 3)
                settings.seed = 9
                settings.meta = meta
                let trainer = try SegmentationTrainer(model: model, settings: settings)
                let (input, targets) = try Self.batch(backend)
                let metaBatch = try Self.batch(backend, samples: 1)
                var values: [Float] = []
                for _ in 0..<3 {
                    let step = try trainer.train(input: input, targets: targets, metaBatch: metaBatch)
                    values += [try backend.scalar(step.dice), try backend.scalar(step.crossEntropy),
                               try step.distillation.map { try backend.scalar($0) } ?? 0,
                               try step.meta.map { try backend.scalar($0) } ?? 0]
                }
                values += try trainer.importanceWeights()
                losses.append(values)
            }
            // Same seed, same initial weights (counter-based init), same dropout draws: the
            // losses and weights differ only by float rounding in different summation
            // orders, which three SGD (and Adam) steps amplify to well under 1e-3 relative.
            for (index, (reference, device)) in zip(losses[0], losses[1]).enumerated() {
                XCTAssertEqual(device, reference, accuracy: 1e-3 * max(1, abs(reference)), "meta \(meta), value \(index)")
            }
        }
    }

    func testOpenCLStepMovesOnlyTheBatchThroughTheHost() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: Self.tiny, seed: 6)
        let trainer = try SegmentationTrainer(model: model, settings: SegmentationTrainingSettings(steps: 5))
        let (input, targets) = try Self.batch(backend)
        // The pool fills up over two steps: while it fills, a tensor may take a spare up to
        // twice its size (DeviceBufferPool.takeSpare), so the second step can still find a
        // size's buffer taken; from the third on the assignment repeats.
        for _ in 0..<2 { try trainer.train(input: input, targets: targets) }
        backend.counters.reset()
        try trainer.train(input: input, targets: targets)
        XCTAssertEqual(backend.counters.bytesToDevice, 0, "the batch was uploaded before the step; nothing else may be")
        XCTAssertEqual(backend.counters.bytesFromDevice, 0, "no tensor may come back during a step")
        XCTAssertEqual(backend.counters.allocations, 0, "a repeated step must reuse pooled buffers")
        XCTAssertGreaterThan(backend.counters.kernelLaunches, 50)
    }

    func testBilevelStepReadsBackOnlyTheLookAheadNorm() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: Self.tiny, seed: 6)
        var settings = SegmentationTrainingSettings(steps: 7)
        settings.warmupSteps = 7   // every modality in every step below: the KD look-ahead passes run
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let (input, targets) = try Self.batch(backend)
        let meta = try Self.batch(backend, samples: 1)
        let thetaBefore = try backend.download(trainer.thetaW)
        // The pool hands out spares up to twice the size asked for, so which buffer a
        // request gets depends on the previous steps: it may take a few steps to settle
        // (the GPU family's first three steps allocate 1, 1, 1 buffer, then none).
        var warmup = 0
        repeat {
            backend.counters.reset()
            try trainer.train(input: input, targets: targets, metaBatch: meta)
            warmup += 1
        } while backend.counters.allocations > 0 && warmup < 5
        backend.counters.reset()
        try trainer.train(input: input, targets: targets, metaBatch: meta)
        XCTAssertEqual(backend.counters.bytesToDevice, 0)
        XCTAssertEqual(backend.counters.bytesFromDevice, 4, "only ||v||, which sets the finite-difference step")
        XCTAssertEqual(backend.counters.allocations, 0)
        XCTAssertNotEqual(try backend.download(trainer.thetaW), thetaBefore, "the meta step must move theta_w")
    }
}
