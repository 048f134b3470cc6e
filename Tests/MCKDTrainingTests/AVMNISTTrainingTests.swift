import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// The AV-MNIST model and its training on a tiny in-memory cache: gradients, per-sample
/// fill-in, backend agreement, overfitting, finiteness, resume and the evaluation schema.
final class AVMNISTTrainingTests: XCTestCase {
    static let tiny: AVMNISTArchitecture = {
        var architecture = AVMNISTArchitecture()
        architecture.imageChannels = [2, 3]
        architecture.audioChannels = [3, 4, 2]
        architecture.featureWidth = 5
        architecture.hiddenWidth = 6
        return architecture
    }()

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-avmnist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func settings(steps: Int, seed: UInt64 = 3) -> AVMNISTTrainingSettings {
        var settings = AVMNISTTrainingSettings(steps: steps, stepsPerEpoch: 10)
        settings.seed = seed
        return settings
    }

    func testSummaryShowsThePaperShapesAndAddsUp() throws {
        let model = try AVMNISTModel(CPUBackend<Float>(), architecture: .paper, seed: 0)
        let summary = model.summary()
        XCTAssertTrue(summary.contains("-> 10x4x4 = 160"), summary)
        XCTAssertTrue(summary.contains("-> 20x4x4 = 320"), summary)
        XCTAssertTrue(summary.contains("concatenation -> 256"), summary)
        let counts = summary.split(separator: "\n").compactMap { line -> Int? in
            guard !line.hasPrefix("total"), let range = line.range(of: #", (\d+) parameters$"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(2).split(separator: " ")[0])
        }
        XCTAssertEqual(counts.count, 3)
        XCTAssertEqual(counts.reduce(0, +), model.parameterCount)
        // image 130 + 1260 + 160*128+128; audio (128+64) + (6144+96) + (3840+40) + 320*128+128;
        // head 256*64+64 + 64*10+10
        XCTAssertEqual(model.parameterCount, 130 + 1260 + 20608 + 192 + 6240 + 3880 + 41088 + 16448 + 650)
    }

    /// grad_theta (CE + lambda KD) against central differences, in Double on the CPU
    /// reference, on a batch whose samples have both / the image only / the audio only
    /// (fill-in, KD grouping, per-sample encoder rows), with the head's dropout active.
    func testGradientMatchesFiniteDifferences() throws {
        let backend = CPUBackend<Double>()
        let model = try AVMNISTModel(backend, architecture: Self.tiny, seed: 7)
        var settings = settings(steps: 1)
        settings.distillation = .meanSquared          // smooth, so finite differences are meaningful
        settings.distillationWeight = 0.5
        settings.detachTeacher = false        // the true gradient of L_train
        settings.meta = .off
        settings.warmupSteps = 1              // the rate masks alone decide the sets
        let trainer = try AVMNISTTrainer(model: model, settings: settings)
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        var batch = try data.train.batch(Array(0..<6))
        // Sample 1 loses its image (it keeps audio), so the batch mixes all three sets.
        batch.audioPresent[1] = 1
        batch.imagePresent[1] = 0
        batch.audio.replaceSubrange(400..<800, with: data.train.audioFeatures[400..<800])
        let own = try AVMNISTTrainer.ownSets(of: batch)
        XCTAssertTrue(Set(own.map(\.members.count)) == [1, 2] && own.contains { $0.members == [1] } && own.contains { $0.members == [0] })
        let input = try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(own), backend: backend)

        func loss() throws -> Double {
            let (ce, kd, _) = try trainer.computeTrainingGradient(input: input)
            return try backend.values(ce)[0] + 0.5 * backend.values(try XCTUnwrap(kd))[0]
        }
        _ = try loss()
        let analytic = try model.parameters.map { try backend.values($0.gradient) }
        var checked = 0
        for (parameter, gradient) in zip(model.parameters, analytic) {
            let values = try backend.values(parameter.value)
            // Up to 5 entries per tensor, spread over it.
            for index in Set(stride(from: 0, to: values.count, by: max(1, values.count / 5)).map { $0 }) {
                var probe = values
                let step = 1e-6
                probe[index] = values[index] + step
                try backend.copy(try backend.uploadScalars(probe, shape: parameter.value.shape), to: parameter.value)
                let plus = try loss()
                probe[index] = values[index] - step
                try backend.copy(try backend.uploadScalars(probe, shape: parameter.value.shape), to: parameter.value)
                let minus = try loss()
                try backend.copy(try backend.uploadScalars(values, shape: parameter.value.shape), to: parameter.value)
                let numeric = (plus - minus) / (2 * step)
                XCTAssertEqual(gradient[index], numeric, accuracy: 1e-6 + 1e-4 * abs(numeric), "\(parameter.name)[\(index)]")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    /// The AV-MNIST side of the bi-level step (gated cross-entropy, KD distances of the
    /// projected features with per-sample groups, batch-norm state restored) against a
    /// brute-force derivative of L_meta(theta - xi grad L_train(theta, w), w) in theta_w,
    /// in Double on the CPU reference, with the true (undetached) KD gradient and with the
    /// method's detached one (the look-ahead then moves only the students of D_ij).
    func testHypergradientMatchesBruteForce() throws {
        for detachTeacher in [false, true] { try checkHypergradientAgainstBruteForce(detachTeacher: detachTeacher) }
    }

    func checkHypergradientAgainstBruteForce(detachTeacher: Bool) throws {
        let backend = CPUBackend<Double>()
        let model = try AVMNISTModel(backend, architecture: Self.tiny, seed: 11)
        var settings = settings(steps: 10)
        settings.warmupSteps = 10            // each sample's own modalities
        settings.distillation = .meanSquared
        settings.distillationWeight = 0.5
        settings.learningRate = 0.05
        settings.detachTeacher = detachTeacher
        settings.lookAheadRadius = 1e-4
        let trainer = try AVMNISTTrainer(model: model, settings: settings)
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let withAudio = data.train.samples.indices.filter { data.train.samples[$0].audioPresent }
        let withoutAudio = data.train.samples.indices.filter { !data.train.samples[$0].audioPresent }
        let batch = try data.train.batch(Array(withAudio.prefix(3)) + Array(withoutAudio.prefix(3)))
        let metaBatch = try data.train.batch(Array(withAudio.dropFirst(3).prefix(4)))
        let runningBefore = try model.runningStatistics.map { try backend.values($0.tensor) }

        let analytic = try backend.values(try trainer.hypergradient(batch: batch, metaBatch: metaBatch))
        let runningAfter = try model.runningStatistics.map { try backend.values($0.tensor) }

        let input = try AVMNISTInput(batch: batch, availability: try PerSampleAvailability(try AVMNISTTrainer.ownSets(of: batch)), backend: backend)
        // The look-ahead's forward passes leave the batch norms' running statistics as the
        // training forward alone left them.
        for ((_, tensor), values) in zip(model.runningStatistics, runningBefore) {
            try backend.copy(try backend.uploadScalars(values, shape: tensor.shape), to: tensor)
        }
        _ = try trainer.computeTrainingGradient(input: input)
        XCTAssertEqual(try model.runningStatistics.map { try backend.values($0.tensor) }, runningAfter)
        XCTAssertNotEqual(runningAfter, runningBefore)
        let meta = try AVMNISTInput(batch: metaBatch, availability: try PerSampleAvailability(uniform: .all(2), samples: metaBatch.count), backend: backend)
        let theta0 = try backend.values(trainer.thetaW)
        let xi = Double(settings.scheduledLearningRate(atStep: 0))
        func metaLossAfterLookAhead(_ theta: [Double]) throws -> Double {
            try backend.copy(try backend.uploadScalars(theta, shape: trainer.thetaW.shape), to: trainer.thetaW)
            let saved = try model.parameters.map { try backend.values($0.value) }
            _ = try trainer.computeTrainingGradient(input: input)
            for parameter in model.parameters { try backend.axpy(alpha: Float(-xi), x: parameter.gradient, y: parameter.value) }
            let weights = try backend.makeTensor(shape: [1, 2])
            try backend.softmaxForward(x: try trainer.thetaW.reshaped([1, 2]), into: weights)
            model.headDropout.stream = 1   // the meta forward's mask of step 0
            let logits = try model.forward(meta, gateWeights: try weights.reshaped([2])).logits
            let loss = try trainer.taskLoss(logits: logits, labels: meta.labels).loss
            for (parameter, values) in zip(model.parameters, saved) {
                try backend.copy(try backend.uploadScalars(values, shape: parameter.value.shape), to: parameter.value)
            }
            return try backend.values(loss)[0]
        }
        let numeric = try numericalGradient(at: theta0, step: 1e-5, metaLossAfterLookAhead)
        let scale = numeric.map(abs).max()!
        XCTAssertGreaterThan(scale, 1e-6, "the hypergradient must not vanish in this set-up")
        for (k, (a, n)) in zip(analytic, numeric).enumerated() {
            XCTAssertEqual(a, n, accuracy: 0.001 * scale, "detach \(detachTeacher), component \(k): analytic \(analytic), brute force \(numeric)")
        }
    }

    /// Hand-made features through the per-sample fill-in, its backward and the KD loss.
    func testPerSampleFillInAndMissingModalitiesOnHandMadeFeatures() throws {
        let backend = CPUBackend<Float>()
        var architecture = Self.tiny
        architecture.featureWidth = 2
        let model = try AVMNISTModel(backend, architecture: architecture, seed: 1)
        let data = try TinyAVMNIST.dataset()
        let image = try ModalitySet([0], of: 2), audio = try ModalitySet([1], of: 2), both = ModalitySet.all(2)
        // Samples: both, image only, audio only, both.
        let availability = try PerSampleAvailability([both, image, audio, both])
        let input = try AVMNISTInput(batch: try data.train.batch([0, 1, 2, 3]), availability: availability, backend: backend)
        // Encoders see only the samples that have their modality.
        XCTAssertEqual(input.modalities[0]?.shape, Shape(3, 1, 1, 28, 28))
        XCTAssertEqual(input.modalities[1]?.shape, Shape(3, 1, 1, 20, 20))
        XCTAssertEqual(availability.samples(with: 0), [0, 1, 3])
        XCTAssertEqual(availability.samples(with: 1), [0, 2, 3])
        XCTAssertEqual(availability.distillationGroups.map(\.samples), [[0, 3]])

        let imageRows: [Float] = [1, 2,   3, 4,   5, 6]      // samples 0, 1, 3
        let audioRows: [Float] = [10, 20,   30, 40,   50, 60] // samples 0, 2, 3
        let encoded = [try backend.upload(imageRows, shape: [3, 2]), try backend.upload(audioRows, shape: [3, 2])]
        let filled = try backend.download(try model.fillIn(encoded, input: input))
        // Rows n*2 + m: sample 1's audio slot takes its image feature, sample 2's image slot its audio.
        XCTAssertEqual(filled, [1, 2, 10, 20,   3, 4, 3, 4,   30, 40, 30, 40,   5, 6, 50, 60])

        // Backward: a missing slot's gradient goes to the sample's available feature.
        let gradFilled: [Float] = (0..<16).map { Float($0 + 1) }
        let gradients = try model.fillInBackward(try backend.upload(gradFilled, shape: [8, 2]), input: input)
        XCTAssertEqual(try backend.download(try XCTUnwrap(gradients[0])), [1, 2,   5 + 7, 6 + 8,   13, 14])
        XCTAssertEqual(try backend.download(try XCTUnwrap(gradients[1])), [3, 4,   9 + 11, 10 + 12,   15, 16])

        // KD (L1, uniform weights): only samples 0 and 3 have a pair; the loss is the batch
        // mean of their pair sums, 2 * mean|f_image - f_audio| each.
        var settings = settings(steps: 1)
        settings.meta = .off
        let trainer = try AVMNISTTrainer(model: model, settings: settings)
        let kd = try trainer.distillationLoss(try backend.upload(filled, shape: [8, 2]), availability: availability, withGradient: true)
        let expected = (2 * (9 + 18) / 2 + 2 * (45 + 54) / 2) / Float(4)
        XCTAssertEqual(try backend.scalar(kd.loss), expected, accuracy: 1e-4)
        let gradient = try backend.download(try XCTUnwrap(kd.gradient))
        XCTAssertEqual(Array(gradient[4..<12]), Array(repeating: 0, count: 8), "single-modality samples get no KD gradient")
        XCTAssertTrue(gradient[0..<4].allSatisfy { $0 != 0 } && gradient[12..<16].allSatisfy { $0 != 0 })

        // The dropout draw restricted to what each sample has; a sample left with nothing keeps its own.
        let restricted = try PerSampleAvailability.restricting([both, image, audio], to: image)
        XCTAssertEqual(restricted.sets, [image, image, audio])
    }

    func testOpenCLAndCPUAgreeOnTheFirstSteps() throws {
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let batch = try data.train.batch(Array(0..<8))
        let complete = data.train.samples.indices.filter { data.train.samples[$0].audioPresent }.prefix(4)
        let metaBatch = try data.train.batch(Array(complete))
        for meta in MetaMode.allCases {
            var values: [[Float]] = []
            for backend in [CPUBackend<Float>() as any Backend, try OpenCLBackend(device: try OpenCLDevice.all()[0])] {
                let model = try AVMNISTModel(backend, architecture: .paper, seed: 4)
                var settings = settings(steps: 3, seed: 9)
                settings.meta = meta
                let trainer = try AVMNISTTrainer(model: model, settings: settings)
                var run: [Float] = []
                for _ in 0..<3 {
                    let losses = try trainer.train(batch: batch, meta: try trainer.metaInput(metaBatch))
                    run += [try backend.scalar(losses.crossEntropy), try losses.distillation.map { try backend.scalar($0) } ?? 0,
                            try losses.meta.map { try backend.scalar($0) } ?? 0]
                }
                values.append(run + (try trainer.importanceWeights()))
            }
            for (index, (reference, device)) in zip(values[0], values[1]).enumerated() {
                XCTAssertEqual(device, reference, accuracy: 1e-3 * max(1, abs(reference)), "meta \(meta), value \(index)")
            }
        }
    }

    func testLossDecreasesWhenOverfittingOneBatch() throws {
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let batch = try data.train.batch(Array(0..<16))
        for backend in [CPUBackend<Float>() as any Backend, try OpenCLBackend(device: try OpenCLDevice.all()[0])] {
            let model = try AVMNISTModel(backend, architecture: .paper, seed: 2)
            var settings = settings(steps: 30)
            settings.warmupSteps = 30   // each sample's own modalities: a fixed task to overfit
            settings.meta = .off
            let trainer = try AVMNISTTrainer(model: model, settings: settings)
            let first = try backend.scalar(try trainer.train(batch: batch).crossEntropy)
            var last = first
            for _ in 1..<30 { last = try backend.scalar(try trainer.train(batch: batch).crossEntropy) }
            XCTAssertLessThan(last, 0.5 * first, "\(backend.name): cross-entropy \(first) -> \(last)")
        }
    }

    /// Residency: a step uploads its batch (the present rows, the fill-in matrices, the
    /// labels) and nothing else; a plain step reads nothing back, a bi-level one only ||v||.
    func testOpenCLStepMovesOnlyTheBatchThroughTheHost() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let batch = try data.train.batch(Array(0..<8))
        let complete = data.train.samples.indices.filter { data.train.samples[$0].audioPresent }.prefix(4)
        for meta in [MetaMode.off, .bilevel] {
            let model = try AVMNISTModel(backend, architecture: .paper, seed: 6)
            var settings = settings(steps: 5)
            settings.meta = meta
            settings.warmupSteps = 5   // the sets are the samples' own: known before the step
            let trainer = try AVMNISTTrainer(model: model, settings: settings)
            let metaInput = try trainer.metaInput(try data.train.batch(Array(complete)))
            try trainer.train(batch: batch, meta: metaInput)
            let availability = try PerSampleAvailability(try AVMNISTTrainer.ownSets(of: batch))
            let rows = (0..<2).map { availability.samples(with: $0).count }
            let expected = 4 * (rows[0] * 28 * 28 + rows[1] * 20 * 20 + rows.map { 8 * 2 * $0 }.reduce(0, +) + 8)
            XCTAssertTrue(rows[0] > 0 && rows[1] > 0 && rows[1] < 8, "the batch must mix samples with and without audio: \(rows)")
            backend.counters.reset()
            try trainer.train(batch: batch, meta: metaInput)
            XCTAssertEqual(backend.counters.bytesToDevice, expected, "meta \(meta): the batch alone is uploaded")
            XCTAssertEqual(backend.counters.bytesFromDevice, meta == .bilevel ? 4 : 0, "meta \(meta)")
        }
    }

    func testRandomDropoutFromAFreshInitialisationStaysFinite() throws {
        let backend = CPUBackend<Float>()
        let model = try AVMNISTModel(backend, architecture: .paper, seed: 1)
        let trainer = try AVMNISTTrainer(model: model, settings: settings(steps: 20))
        let data = try TinyAVMNIST.dataset(audioRate: 0.5)
        let complete = data.train.samples.indices.filter { data.train.samples[$0].audioPresent }.prefix(4)
        let metaBatch = try data.train.batch(Array(complete))
        var sawSingle = false
        for step in 0..<20 {
            let batch = try data.train.batch(Array((step * 3)..<(step * 3 + 8)).map { $0 % data.train.count })
            let losses = try trainer.train(batch: batch, meta: try trainer.metaInput(metaBatch))
            sawSingle = sawSingle || losses.drawn.members.count == 1
            for parameter in model.parameters {
                XCTAssertTrue(try backend.download(parameter.gradient).allSatisfy(\.isFinite),
                              "step \(step) (\(losses.drawn)): \(parameter.name) has a non-finite gradient")
            }
            XCTAssertTrue(try backend.scalar(losses.crossEntropy).isFinite)
        }
        XCTAssertTrue(sawSingle, "the test must exercise a single-modality draw")
        XCTAssertTrue(try trainer.importanceWeights().allSatisfy(\.isFinite))
    }

    /// The per-step records of a run's metrics log, without wall-clock time and the run's
    /// ID (each folder's run has its own).
    func records(_ run: URL) throws -> [String] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                object["seconds"] = nil
                object[RunID.key] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
    }

    func writtenCache() throws -> URL {
        let file = folder.appendingPathComponent("avmnist.bin")
        try TinyAVMNIST.cache.write(to: file.path)
        return file
    }

    func testResumeReproducesAnUninterruptedRunBitForBit() throws {
        let cache = try writtenCache()
        for backend in [CPUBackend<Float>() as any Backend, try OpenCLBackend(device: try OpenCLDevice.all()[0])] {
            // 9 steps of 7 per epoch: the resume crosses an epoch boundary.
            let configuration = try TinyAVMNIST.runConfiguration(cacheFile: cache, steps: 9)
            let straight = folder.appendingPathComponent("straight-\(backend is OpenCLBackend)")
            _ = try TrainingRun<AVMNISTTask>(configuration: configuration, backend: backend, directory: straight) { _ in }.run(resume: false)
            let interrupted = folder.appendingPathComponent("interrupted-\(backend is OpenCLBackend)")
            _ = try TrainingRun<AVMNISTTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }
                .run(resume: false, stopAfterStep: 5)
            let (_, evaluation) = try TrainingRun<AVMNISTTask>(configuration: configuration, backend: backend, directory: interrupted) { _ in }
                .run(resume: true)
            XCTAssertNotNil(evaluation)
            let expected = try records(straight)
            XCTAssertEqual(expected.count, 9)
            XCTAssertEqual(try records(interrupted), expected, "\(backend.name): resumed records must equal the uninterrupted run's, bit for bit")
            XCTAssertEqual(try Data(contentsOf: interrupted.appendingPathComponent("evaluation.json")),
                           try Data(contentsOf: straight.appendingPathComponent("evaluation.json")))
        }
    }

    func testEvaluationFilesFollowTheSchema() throws {
        let cache = try writtenCache()
        let configuration = try TinyAVMNIST.runConfiguration(cacheFile: cache, steps: 3)
        let directory = folder.appendingPathComponent("evaluated")
        let backend = CPUBackend<Float>()
        let (_, result) = try TrainingRun<AVMNISTTask>(configuration: configuration, backend: backend, directory: directory) { _ in }.run(resume: false)
        let evaluation = try XCTUnwrap(result)

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("evaluation.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["task", "sampleCount", "audioRate", "visualRate", "accuracy", "confusion", "predictions"])
        XCTAssertEqual(json["task"] as? String, "avmnist")
        XCTAssertEqual(json["sampleCount"] as? Int, 30)
        XCTAssertEqual(json["audioRate"] as? Double, 50)
        XCTAssertTrue(json["visualRate"] is NSNull, "an absent rate is written as null")
        let accuracy = try XCTUnwrap(json["accuracy"] as? [String: Double])
        let confusion = try XCTUnwrap(json["confusion"] as? [String: [[Int]]])
        XCTAssertEqual(Set(accuracy.keys), ["both", "image", "audio"])
        XCTAssertEqual(Set(confusion.keys), ["both", "image", "audio"])
        let data = try TinyAVMNIST.dataset(seed: 5, audioRate: 0.5)
        for (name, matrix) in confusion {
            XCTAssertEqual(matrix.count, 10)
            XCTAssertTrue(matrix.allSatisfy { $0.count == 10 })
            // Rows are true digits: each holds that digit's 3 test pairs.
            XCTAssertEqual(matrix.map { $0.reduce(0, +) }, Array(repeating: 3, count: 10), name)
            let fraction = try XCTUnwrap(accuracy[name])
            XCTAssertTrue((0...1).contains(fraction))
            XCTAssertEqual(fraction, Double((0..<10).map { matrix[$0][$0] }.reduce(0, +)) / 30, accuracy: 1e-12)
        }
        let predictions = try XCTUnwrap(json["predictions"] as? [[String: Int]])
        XCTAssertEqual(predictions.count, 16)
        for (i, prediction) in predictions.enumerated() {
            XCTAssertEqual(Set(prediction.keys), ["index", "label", "both", "image", "audio"])
            XCTAssertEqual(prediction["index"], i)
            XCTAssertEqual(prediction["label"], data.test.samples[i].label)
            XCTAssertTrue(["both", "image", "audio"].allSatisfy { (0..<10).contains(prediction[$0]!) })
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("evaluation.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").first, "subset,accuracy,correct,total")
        XCTAssertEqual(csv.split(separator: "\n").count, 4)
        let configurationJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("configuration.json"))) as? [String: Any]
        XCTAssertEqual(configurationJSON?["task"] as? String, "avmnist")
        XCTAssertEqual(try RunConfiguration.read(from: directory).task, .avmnist)

        // The run reloaded from its folder (as `mckd eval` does) scores the same.
        let reloaded = try TrainedRun<AVMNISTTask>(directory: directory, backend: backend)
        XCTAssertEqual(reloaded.step, 3)
        XCTAssertEqual(try AVMNISTEvaluation.evaluate(model: reloaded.model, split: data.test, audioRate: 50, visualRate: nil), evaluation)
    }

    func testNonFiniteLossStopsNamingTheStepAndPart() throws {
        var configuration = try TinyAVMNIST.runConfiguration(cacheFile: try writtenCache(), steps: 30)
        configuration.training.learningRate = 1e30
        configuration.training.meta = .off
        configuration.checkpointEvery = 1
        let run = TrainingRun<AVMNISTTask>(configuration: configuration, backend: CPUBackend<Float>(), directory: folder.appendingPathComponent("nan")) { _ in }
        XCTAssertThrowsError(try run.run(resume: false)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("loss became") && message.contains("at step") && message.contains("checkpoint"), message)
        }
        let checkpoint = try Checkpoint.read(from: run.checkpointURL)
        XCTAssertTrue(checkpoint.tensors.allSatisfy { $0.values.allSatisfy(\.isFinite) }, "the kept checkpoint must be a good one")
    }

    func testMissingCacheSaysHowToBuildIt() throws {
        var configuration = try TinyAVMNIST.runConfiguration(cacheFile: folder.appendingPathComponent("absent.bin"), steps: 1)
        configuration.cachePath = folder.appendingPathComponent("absent.bin").path
        let run = TrainingRun<AVMNISTTask>(configuration: configuration, backend: CPUBackend<Float>(), directory: folder.appendingPathComponent("run")) { _ in }
        XCTAssertThrowsError(try run.run(resume: false)) { error in
            XCTAssertTrue("\(error)".contains("scripts/setup-avmnist"), "\(error)")
        }
    }
}
