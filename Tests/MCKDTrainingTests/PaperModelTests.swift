import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// The paper model (`--arch paper`, method.md section 7): its size, its shapes, a full
/// training step on PoCL, and CPU / OpenCL agreement.
final class PaperModelTests: XCTestCase {
    /// Built once: 43.7M parameters take a while to initialise on the CPU reference.
    static let cpuModel = Result { try SegmentationModel(CPUBackend<Float>(), architecture: .paper, seed: 3) }

    /// The parameter count from the layer widths of method.md section 7, written out
    /// independently of the model code: convolutions without biases (Co * Ci * k^3),
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
        total += conv(256, 256, 1)                                   // image pooling branch (no norm)
        total += conv(5 * 256, 256, 1) + norm(256)                   // ASPP projection
        var incoming = m * 256
        for (width, skip) in [(256, 1024), (128, 512), (64, 256), (32, 64)] {
            total += incoming * width * 8                            // transposed conv k2
            total += conv(m * skip, width, 1)                        // skip conv
            total += 2 * (conv(width, width, 3) + norm(width))       // residual block
            incoming = width
        }
        return total + conv(32, 3, 1)                                // classifier
    }

    func testParameterCountMatchesTheLayerWidths() throws {
        let model = try Self.cpuModel.get()
        XCTAssertEqual(model.parameterCount, Self.expectedParameterCount())
        // method.md: "~43.7M parameters".
        XCTAssertEqual(Double(model.parameterCount) / 1e6, 43.7, accuracy: 0.05)
        XCTAssertEqual(Set(model.parameters.map(\.name)).count, model.parameters.count, "parameter names must be unique (checkpoints)")
    }

    func testShapesOfTheFullCropByShapeInference() throws {
        let model = try Self.cpuModel.get()
        let shapes = try model.featureShapes(crop: [80, 160, 160])
        XCTAssertEqual(shapes.map(\.dims), [[1, 64, 80, 80, 80], [1, 256, 40, 40, 40], [1, 512, 20, 20, 20],
                                            [1, 1024, 10, 10, 10], [1, 256, 5, 5, 5]])
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
                XCTAssertTrue("\(error)".contains("D by 16, H by 32, W by 32"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SegmentationArchitecture.small.checkCrop([32, 32, 30])) { error in
            XCTAssertTrue("\(error)".contains("divisible by 4 per axis"), "\(error)")
        }
        var wrongWidths = SegmentationArchitecture.paper
        wrongWidths.channels = [8, 16]
        XCTAssertThrowsError(try SegmentationModel(CPUBackend<Float>(), architecture: wrongWidths, seed: 1))
    }

    func testArchitectureKindRoundTripsAndOldConfigurationsAreSmall() throws {
        let decoded = try JSONDecoder().decode(SegmentationArchitecture.self, from: try JSONEncoder().encode(SegmentationArchitecture.paper))
        XCTAssertEqual(decoded, .paper)
        let small = String(decoding: try JSONEncoder().encode(SegmentationArchitecture.small), as: UTF8.self)
        XCTAssertFalse(small.contains("kind"), "a small configuration is written as before the kind existed: \(small)")
        let old = #"{"channels":[4,8],"modalities":4,"outputChannels":3,"standardizeWeights":true}"#
        XCTAssertEqual(try JSONDecoder().decode(SegmentationArchitecture.self, from: Data(old.utf8)).kind, .small)
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
                     "decoder.up3.weight", "decoder.head.weight"]
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
    }
}
