import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// The paper model (`--arch paper`, method.md section 7): its size, its shapes, a full
/// training step on PoCL, and CPU / OpenCL agreement.
final class PaperModelTests: XCTestCase {
    /// Built once: 43.7M parameters take a while to initialise on the CPU reference.
    static let cpuModel = Result { try SegmentationModel(CPUBackend<Float>(), architecture: .paper, seed: 3) }

    /// The reference's (DualNet.py with Res50, norm 'IN') used parameters: its total
    /// 43,719,676 less an unused nn.MultiheadAttention(125, 5 heads), 4 * 125^2 + 4 * 125
    /// = 63,000, and the 4 importance-weight logits it registers as a module parameter.
    static let referenceParameterCount = 43_719_676 - (4 * 125 * 125 + 4 * 125) - 4

    /// The parameter count from the reference's layer list (method.md section 7), written
    /// out independently of the model code: convolutions without biases (Co * Ci * k^3),
    /// 2 * C for every instance norm (affine), transposed convolutions Ci * Co * 2^3.
    static func expectedParameterCount(modalities m: Int = 4) -> Int {
        func conv(_ ci: Int, _ co: Int, _ k: Int) -> Int { ci * co * k * k * k }
        func norm(_ c: Int) -> Int { 2 * c }
        var total = conv(1, 64, 7) + norm(64)                        // stem
        var inputs = 64
        for (planes, blocks) in [(64, 3), (128, 4), (256, 6), (320, 3)] {
            for block in 0..<blocks {
                total += conv(inputs, planes, 1) + norm(planes) + conv(planes, planes, 3) + norm(planes)
                    + conv(planes, 4 * planes, 1) + norm(4 * planes)
                if block == 0 { total += conv(inputs, 4 * planes, 1) + norm(4 * planes) }   // projection shortcut
                inputs = 4 * planes
            }
        }
        total += conv(1280, 256, 1) + norm(256)                      // 1280 -> 256
        total += conv(256, 256, 1) + norm(256)                       // ASPP 1x1 branch
        total += 3 * (conv(256, 256, 3) + norm(256))                 // dilations 2, 4, 8
        total += conv(256, 256, 1) + norm(256)                       // image pooling branch: conv + norm + act
        total += conv(5 * 256, 256, 1) + norm(256)                   // ASPP projection
        var incoming = m * 256
        for (width, skip) in [(256, 1024), (128, 512), (64, 256), (32, 64)] {
            total += incoming * width * 8                            // transposed conv k2
            total += conv(m * skip, width, 1) + norm(width)          // shortcut block: 1x1 conv + norm + act
            total += 2 * (conv(width, width, 3) + norm(width))       // residual block
            incoming = width
        }
        return total + conv(32, 3, 1)                                // classifier
    }

    func testParameterCountMatchesTheLayerWidths() throws {
        let model = try Self.cpuModel.get()
        XCTAssertEqual(Self.expectedParameterCount(), Self.referenceParameterCount, "the layer list must be the reference's")
        XCTAssertEqual(model.parameterCount, Self.expectedParameterCount())
        XCTAssertEqual(model.parameterCount, 43_656_672)
        // method.md: "~43.7M parameters".
        XCTAssertEqual(Double(model.parameterCount) / 1e6, 43.7, accuracy: 0.05)
        XCTAssertEqual(Set(model.parameters.map(\.name)).count, model.parameters.count, "parameter names must be unique (checkpoints)")
    }

    func testShapesOfTheFullCropByShapeInference() throws {
        let model = try Self.cpuModel.get()
        let shapes = try model.featureShapes(crop: [80, 160, 160])
        XCTAssertEqual(shapes.map(\.dims), [[4, 64, 80, 80, 80], [4, 256, 40, 40, 40], [4, 512, 20, 20, 20],
                                            [4, 1024, 10, 10, 10], [4, 256, 5, 5, 5]])
        let summary = model.summary(crop: [80, 160, 160])
        XCTAssertTrue(summary.contains("-> 256x5x5x5,"), summary)
        XCTAssertTrue(summary.contains("fusion by concatenation -> 1024x5x5x5"), summary)
        XCTAssertTrue(summary.contains("head: ") && summary.contains("-> 3x80x160x160,"), summary)
        XCTAssertTrue(summary.hasSuffix("total: \(model.parameterCount) parameters"), summary)
        XCTAssertLessThanOrEqual(summary.split(separator: "\n").count, 14, "one screen:\n\(summary)")
        let stageCounts = summary.split(separator: "\n").compactMap { line -> Int? in
            guard !line.hasPrefix("total"), let range = line.range(of: #", (\d+) parameters$"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(2).split(separator: " ")[0])
        }
        XCTAssertEqual(stageCounts.count, 10, summary)
        XCTAssertEqual(stageCounts.reduce(0, +), model.parameterCount)
    }

    func testCropsThatDoNotFitAreClearErrors() throws {
        let paper = SegmentationArchitecture.paper
        XCTAssertNoThrow(try paper.checkCrop([16, 32, 32]))
        XCTAssertNoThrow(try paper.checkCrop([80, 160, 160]))
        for bad in [[8, 32, 32], [16, 48, 32], [16, 32, 16], [16, 32]] {
            XCTAssertThrowsError(try paper.checkCrop(bad)) { error in
                XCTAssertTrue("\(error)".contains("D a positive multiple of 16, H of 32, W of 32"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SegmentationArchitecture.small.checkCrop([32, 32, 30])) { error in
            XCTAssertTrue("\(error)".contains("every side a positive multiple of 4"), "\(error)")
        }
        var wrongWidths = SegmentationArchitecture.paper
        wrongWidths.channels = [8, 16]
        XCTAssertThrowsError(try SegmentationModel(CPUBackend<Float>(), architecture: wrongWidths, seed: 1))
        XCTAssertThrowsError(try SegmentationArchitecture.paper(widthDivisor: 3))
        XCTAssertEqual(try SegmentationArchitecture.paper(widthDivisor: 8).channels, [8, 32, 64, 128, 32])
    }

    func testArchitectureKindRoundTripsAndOldConfigurationsAreSmall() throws {
        let decoded = try JSONDecoder().decode(SegmentationArchitecture.self, from: try JSONEncoder().encode(SegmentationArchitecture.paper))
        XCTAssertEqual(decoded, .paper)
        let small = String(decoding: try JSONEncoder().encode(SegmentationArchitecture.small), as: UTF8.self)
        XCTAssertFalse(small.contains("kind"), "a small configuration is written as before the kind existed: \(small)")
        let old = #"{"channels":[4,8],"modalities":4,"outputChannels":3,"standardizeWeights":true}"#
        XCTAssertEqual(try JSONDecoder().decode(SegmentationArchitecture.self, from: Data(old.utf8)).kind, .small)
    }

    /// The KD loss of the paper topology (narrowed 16x, in Double on the CPU reference) at
    /// 16x64x64, where the bottleneck (1x2x2 voxels) is not identically zero as at the
    /// smallest crop, with a modality missing: the trainer's L_kd equals
    /// sum over available i != j of (w_i / w_j) mean|f_i - f_j|, evaluated here from the
    /// downloaded bottleneck and w = softmax(theta_w).
    func testDistillationOnARealBottleneckMatchesTheFormula() throws {
        let backend = CPUBackend<Double>()
        let model = try SegmentationModel(backend, architecture: try .paper(widthDivisor: 16), seed: 3)
        var settings = SegmentationTrainingSettings(steps: 10)
        // A seed whose first dropout draw keeps three modalities (two pairs' weights differ).
        settings.seed = try XCTUnwrap((0..<50).first { ModalityDropout(modalityCount: 4, seed: $0).subset(atStep: 0).members.count == 3 })
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let available = trainer.dropout.subset(atStep: 0).members
        let (input, targets) = try batch(backend, crop: [16, 64, 64], samples: 1, seed: 7)
        let result = try trainer.computeTrainingGradient(input: input, targets: targets)
        let features = try backend.values(result.bottleneck)
        XCTAssertEqual(result.bottleneck.shape.dims, [4, 16, 1, 2, 2])
        XCTAssertGreaterThan(features.map(abs).max()!, 0.1, "the bottleneck must not vanish at this crop")
        let theta = try backend.values(trainer.thetaW)
        let w = theta.map { exp($0) / theta.map(exp).reduce(0, +) }
        let slot = features.count / 4
        var expected = 0.0
        for i in available { for j in available where j != i {
            let distance = (0..<slot).map { abs(features[i * slot + $0] - features[j * slot + $0]) }.reduce(0, +) / Double(slot)
            expected += w[i] / w[j] * distance
        } }
        XCTAssertEqual(try backend.values(try XCTUnwrap(result.distillation))[0], expected, accuracy: 1e-12 * expected)
    }

    /// A random batch [samples, 4, 16, 32, 32] and sphere targets [samples, 3, ...].
    func batch(_ backend: any Backend, crop: [Int], samples: Int, seed: UInt64) throws -> (input: Tensor, targets: Tensor) {
        let input = try backend.makeTensor(shape: Shape([samples, 4] + crop))
        try backend.fillRandom(input, .normal(mean: 0, standardDeviation: 1), seed: seed, stream: 0)
        let (d, h, w) = (crop[0], crop[1], crop[2])
        var targets = [Float](repeating: 0, count: samples * 3 * d * h * w)
        for n in 0..<samples { for c in 0..<3 { for z in 0..<d { for y in 0..<h { for x in 0..<w {
            let dz = Float(z) / Float(d) - 0.5, dy = Float(y) / Float(h) - 0.5, dx = Float(x) / Float(w) - 0.5
            targets[(((n * 3 + c) * d + z) * h + y) * w + x] = dz * dz + dy * dy + dx * dx < 0.1 / Float(1 + c) ? 1 : 0
        } } } } }
        return (input, try backend.upload(targets, shape: Shape([samples, 3] + crop)))
    }

    /// One training step with the bi-level meta step on PoCL: finite losses, every
    /// gradient finite, parameters and theta_w move; reduced crop 16x32x32 -> bottleneck 1^3.
    func testOneTrainingStepWithTheBilevelMetaStepOnOpenCL() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: .paper, seed: 3)
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.seed = 2
        settings.warmupSteps = 1   // every modality in the first step: all KD pairs and look-ahead passes run
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let crop = [16, 32, 32]
        let (input, targets) = try batch(backend, crop: crop, samples: 1, seed: 7)
        let meta = try batch(backend, crop: crop, samples: 1, seed: 8)

        let (logits, bottleneck) = try model.forward(input, available: .all(4))
        XCTAssertEqual(logits.shape.dims, [1, 3, 16, 32, 32])
        XCTAssertEqual(bottleneck.shape.dims, [4, 256, 1, 1, 1])

        // At this crop layer4 and the ASPP see single voxels, where instance norm outputs
        // beta (no gradient to the convolutions before it): watch weights that do learn.
        let names = ["encoder.stem.conv.weight", "encoder.layer3.block0.conv2.weight", "encoder.aspp.projection.norm.beta",
                     "decoder.up2.weight", "decoder.head.weight"]
        let watched = try names.map { name in try XCTUnwrap(model.parameters.first { $0.name == name }, name) }
        let before = try watched.map { try backend.download($0.value) }
        let thetaBefore = try backend.download(trainer.thetaW)
        backend.counters.reset()
        let start = Date()
        let losses = try trainer.train(input: input, targets: targets, metaBatch: meta)
        let values = [try backend.scalar(losses.dice), try backend.scalar(losses.crossEntropy),
                      try backend.scalar(XCTUnwrap(losses.distillation)), try backend.scalar(XCTUnwrap(losses.meta))]
        let seconds = Date().timeIntervalSince(start)
        print("paper model step (bilevel) at 16x32x32 batch 1 on \(backend.name): \(String(format: "%.2f", seconds)) s, "
              + "losses \(values), peak device memory \(backend.counters.peakBytesInUse >> 20) MiB, \(backend.counters.kernelLaunches) launches")
        XCTAssertTrue(values.allSatisfy(\.isFinite), "losses \(values)")
        for parameter in model.parameters {
            XCTAssertTrue(try backend.download(parameter.gradient).allSatisfy(\.isFinite), "\(parameter.name) has a non-finite gradient")
        }
        for (parameter, old) in zip(watched, before) {
            XCTAssertNotEqual(try backend.download(parameter.value), old, "\(parameter.name) did not move")
        }
        XCTAssertNotEqual(try backend.download(trainer.thetaW), thetaBefore, "the meta step must move theta_w")
        // Documented degenerate case: at this crop the bottleneck is identically zero (the
        // ASPP's last norm sees one voxel), so the KD loss is 0; the narrowed test below
        // covers a crop with a real bottleneck.
        XCTAssertEqual(values[2], 0)
    }

    /// The same topology narrowed 8x, at 32x64x64 (bottleneck 2^3, so the ASPP, the KD
    /// loss and the bi-level look-ahead see real features), random modality dropout:
    /// a few steps with finite losses and gradients, positive KD, moving weights.
    func testNarrowedPaperModelTrainsWithARealBottleneckOnOpenCL() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: try .paper(widthDivisor: 8), seed: 4)
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.seed = 5
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let crop = [32, 64, 64]
        let (input, targets) = try batch(backend, crop: crop, samples: 1, seed: 7)
        let meta = try batch(backend, crop: crop, samples: 1, seed: 8)
        let before = try model.parameters.map { try backend.download($0.value) }
        var sawDistillation = false
        for step in 0..<3 {
            let losses = try trainer.train(input: input, targets: targets, metaBatch: meta)
                        let kd = try backend.scalar(XCTUnwrap(losses.distillation))
            let values = [try backend.scalar(losses.dice), try backend.scalar(losses.crossEntropy), kd,
                          try backend.scalar(XCTUnwrap(losses.meta))]
            XCTAssertTrue(values.allSatisfy(\.isFinite), "step \(step) (\(losses.availability.sets)): \(values)")
            sawDistillation = sawDistillation || kd > 0
            for parameter in model.parameters {
                XCTAssertTrue(try backend.download(parameter.gradient).allSatisfy(\.isFinite), "step \(step): \(parameter.name)")
            }
        }
        XCTAssertTrue(sawDistillation, "with two or more modalities present the KD loss on a real bottleneck is positive")
        // Every parameter learns but the ASPP image-pooling branch's conv and norm gamma: the
        // branch's instance norm sees one voxel and outputs its beta whatever the input, so
        // no gradient reaches them (docs/training.md).
        let unmoved = try zip(model.parameters, before).filter { try backend.download($0.0.value) == $0.1 }.map(\.0.name)
        XCTAssertEqual(unmoved, ["encoder.aspp.imagePooling.conv.weight", "encoder.aspp.imagePooling.norm.gamma"])
    }

    /// Timing of paper-model steps for the report; runs only with MCKD_PAPER_TIMING=1
    /// (minutes on a 2-core CPU). Prints seconds per step and the device memory peak.
    func testTimingOfPaperModelSteps() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["MCKD_PAPER_TIMING"] == "1", "set MCKD_PAPER_TIMING=1 to time")
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: .paper, seed: 3)
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.warmupSteps = 10
        settings.meta = MetaMode(rawValue: ProcessInfo.processInfo.environment["MCKD_PAPER_TIMING_META"] ?? "bilevel") ?? .bilevel
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let sizes = (ProcessInfo.processInfo.environment["MCKD_PAPER_TIMING_CROPS"] ?? "16x32x32x1,32x64x64x2")
            .split(separator: ",").map { $0.split(separator: "x").compactMap { Int($0) } }
        for size in sizes {
            let crop = Array(size.prefix(3)), samples = size[3]
            let (input, targets) = try batch(backend, crop: crop, samples: samples, seed: 7)
            let meta = try batch(backend, crop: crop, samples: 1, seed: 8)
            for step in 0..<2 {
                backend.counters.reset()
                let start = Date()
                let losses = try trainer.train(input: input, targets: targets, metaBatch: meta)
                let dice = try backend.scalar(losses.dice)
                print("paper step \(step) (meta \(settings.meta)) crop \(crop) batch \(samples): \(String(format: "%.2f", Date().timeIntervalSince(start))) s, "
                      + "dice \(dice), peak \(backend.counters.peakBytesInUse >> 20) MiB, allocations \(backend.counters.allocations), "
                      + "launches \(backend.counters.kernelLaunches)")
            }
        }
    }

    /// The paper topology's forward (T1 missing: zeroing and fill-in included) on PoCL
    /// against the CPU reference, same seed, every encoder level and the logits. Narrowed
    /// 8x at 32x64x64: the full model's CPU forward takes ~30 s already at 16x32x32, where
    /// the bottleneck is 1^3 and identically zero (see the training-step test), so it
    /// would not test the ASPP.
    ///
    /// Tolerance, measured rather than guessed: the CPU reference accumulates in Double,
    /// OpenCL in Float, and this deep network (instance norms over 8 voxels in layer4)
    /// amplifies rounding with depth. Against the Double reference, OpenCL's error is
    /// 7-15x the Float reference's (which only rounds each op's result) at every level,
    /// stem to logits; the bound is 32x at every level. A wrong tap, stride or branch
    /// would show as an error of the order of the values at the level where it sits.
    func testForwardAgreesWithTheCPUReference() throws {
        let architecture = try SegmentationArchitecture.paper(widthDivisor: 8)
        let available = try ModalitySet([0, 2, 3], of: 4)
        let crop = [32, 64, 64]
        let device = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let input = try batch(device, crop: crop, samples: 1, seed: 5).input
        let values = try device.download(input)
        /// Every encoder level's features, then the logits.
        func outputs(_ backend: any Backend) throws -> [[Double]] {
            let model = try SegmentationModel(backend, architecture: architecture, seed: 3)
            let start = Date()
            let features = try model.encode(try backend.upload(values, shape: input.shape), available: available)
            let logits = try model.decode(features, available: available)
            print("narrowed paper model forward at 32x64x64 batch 1 on \(backend.name): \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            return try (features + [logits]).map { try backend.download($0).map(Double.init) }
        }
        let exact = try outputs(CPUBackend<Double>()), reference = try outputs(CPUBackend<Float>()), opencl = try outputs(device)
        XCTAssertEqual(exact.count, 6)
        for k in exact.indices {
            let name = k == 5 ? "logits" : "encoder level \(k)"
            let scale = exact[k].map(abs).max()!
            XCTAssertGreaterThan(scale, 0.1, name)
            let referenceError = zip(reference[k], exact[k]).map { abs($0 - $1) }.max()!
            let openCLError = zip(opencl[k], exact[k]).map { abs($0 - $1) }.max()!
            print("\(name): largest |value| \(scale), Float CPU error \(referenceError), OpenCL error \(openCLError)")
            XCTAssertLessThanOrEqual(openCLError, 32 * referenceError, name)
            XCTAssertLessThan(openCLError, 0.005 * scale, name)
        }
    }

    /// A whole run of the narrowed paper model on the phantom: configuration.json records
    /// the kind, the checkpoint reloads into a paper model (TrainedRun), evaluation runs.
    func testRunFolderRecordsAndRestoresThePaperArchitecture() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-paper-\(UUID().uuidString)")
        setenv("MCKD_CACHE", folder.appendingPathComponent("cache").path, 1)
        defer {
            unsetenv("MCKD_CACHE")
            try? FileManager.default.removeItem(at: folder)
        }
        var configuration = BraTSRunConfiguration()
        configuration.architecture = try .paper(widthDivisor: 16)
        configuration.phantomCases = 4
        configuration.phantomSize = [16, 32, 32]
        configuration.crop = [16, 32, 32]
        configuration.batchSize = 1
        configuration.metaValidationCases = 1
        configuration.testCases = 1
        configuration.training = SegmentationTrainingSettings(steps: 2)
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let directory = folder.appendingPathComponent("run")
        var log: [String] = []
        let (trainer, table) = try TrainingRun<BraTSTask>(configuration: configuration, backend: backend, directory: directory) { log.append($0) }
            .run(resume: false)
        XCTAssertNotNil(table)
        XCTAssertTrue(log.joined(separator: "\n").contains("layer4 + ASPP"), "the run prints the paper model's summary")
        let written = try String(contentsOf: directory.appendingPathComponent("configuration.json"), encoding: .utf8)
        XCTAssertTrue(written.contains("\"kind\" : \"paper\""), written)

        let reloaded = try TrainedRun<BraTSTask>(directory: directory, backend: backend)
        XCTAssertEqual(reloaded.model.architecture, configuration.architecture)
        XCTAssertEqual(reloaded.step, 2)
        for (a, b) in zip(trainer.model.parameters, reloaded.model.parameters) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual(try backend.download(a.value), try backend.download(b.value), a.name)
        }

        // A small model cannot load the paper model's checkpoint: a clear error, not a crash.
        let small = try SegmentationTrainer(model: try SegmentationModel(backend, architecture: .small, seed: 0),
                                            settings: SegmentationTrainingSettings(steps: 1))
        XCTAssertThrowsError(try small.restore(from: try Checkpoint.read(from: directory.appendingPathComponent("checkpoint")), file: "checkpoint"))
    }
}
