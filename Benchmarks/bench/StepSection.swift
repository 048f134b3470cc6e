import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining

/// Whole training steps: the small segmentation model (4 modalities, 64^3 crop,
/// batch 2) and the AV-MNIST model (batch 64, audio rate 10%), each with the plain
/// step and with the bi-level meta step; the first step (kernel builds included)
/// and the steady state, with per-step kernel launches, host<->device bytes and the
/// device memory high-water marks.
enum StepSection {
    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        print("steps")
        let small = SegmentationArchitecture.small
        let crop = quick ? [8, 8, 8] : [64, 64, 64]
        let batch = quick ? 1 : 2
        var seconds: [MetaMode: Double] = [:]
        for meta in [MetaMode.off, .bilevel] {
            seconds[meta] = try segmentationStep(backend, architecture: small, crop: crop, batch: batch, meta: meta,
                                                 repeats: quick ? 1 : 3, report: &report)
        }
        print(String(format: "  bi-level step / plain step (small model): %.2fx", seconds[.bilevel]! / seconds[.off]!))
        try avmnistSteps(backend, quick: quick, report: &report)
        try paperStep(backend, quick: quick, report: &report)
    }

    /// The paper model's plain step at the 32x64x64 crop, batch 2 (the PyTorch reference
    /// takes 2.2 s there on the 2-core test machine); the bi-level step costs minutes on
    /// 2 cores and is left to the memory plan. Quick: a narrowed variant.
    static func paperStep(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        let layout = try PaperModelLayout(widthDivisor: quick ? 16 : 1)
        let architecture = try SegmentationArchitecture.paper(widthDivisor: layout.widthDivisor)
        let shapes: [String: [Int]] = [
            "stem": [layout.stemChannels], "stem_stride": PaperModelLayout.stemStride.values, "planes": layout.planes,
            "blocks": PaperModelLayout.blocks, "strides": PaperModelLayout.strides, "bottleneck": [layout.bottleneckChannels],
            "dilations": PaperModelLayout.asppDilations, "decoder": layout.decoderWidths,
            "final_upsample": PaperModelLayout.finalUpsample.values,
        ]
        _ = try segmentationStep(backend, architecture: architecture, crop: [32, 64, 64], batch: quick ? 1 : 2, meta: .off,
                                 repeats: 1, twinOp: "paper_model_step", twinShapes: shapes, report: &report)
    }

    /// Times `step` once cold and then `repeats` times warm; records the steady state
    /// with the counters of the last repeats. Returns the steady-state seconds.
    static func timeSteps(_ backend: any Backend, name: String, shape: String, repeats: Int, twin: TwinSpec?,
                          report: inout BenchReport, _ step: () throws -> Void) throws -> Double {
        func timed() throws -> Double { try backend.elapsed(step) }
        let first = try timed()
        report.add(BenchRow(section: "steps", name: "\(name) first", shape: shape, seconds: first, rate: 1 / first, unit: "step/s"))
        backend.counters.reset()
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try timed()) }
        var row = BenchRow(section: "steps", name: name, shape: shape, seconds: best, rate: 1 / best, unit: "step/s", twin: twin)
        row.repeats = repeats
        row.kernelLaunches = backend.counters.kernelLaunches / repeats
        row.bytesMoved = (backend.counters.bytesToDevice + backend.counters.bytesFromDevice) / repeats
        // Live tensors at most during the step (the model's own included); the pool's
        // reservation for one model alone is the memory plan's figure.
        row.peakDeviceBytes = backend.counters.peakBytesInUse
        report.add(row)
        print("      \(row.kernelLaunches!) launches, \(formatBytes(row.bytesMoved!)) host<->device per step, "
              + "device memory in use at most \(formatBytes(row.peakDeviceBytes!))")
        return best
    }

    /// A fresh segmentation model's steps on one random batch (uploaded every step, as in training).
    static func segmentationStep(_ backend: any Backend, architecture: SegmentationArchitecture, crop: [Int], batch: Int,
                                 meta: MetaMode, repeats: Int, twinOp: String = "small_model_step",
                                 twinShapes: [String: [Int]]? = nil, report: inout BenchReport) throws -> Double {
        let model = try SegmentationModel(backend, architecture: architecture, seed: 1)
        var settings = SegmentationTrainingSettings(steps: 1000)
        settings.meta = meta
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let m = architecture.modalities, voxels = crop.reduce(1, *)
        var random = SystemRandomNumberGenerator()
        let images = (0..<(batch * m * voxels)).map { _ in Float.random(in: -1...1, using: &random) }
        let targets = (0..<(batch * 3 * voxels)).map { _ in Float(Int.random(in: 0...1, using: &random)) }
        let metaBatch = meta == .off ? nil : (try backend.upload(Array(images[0..<(m * voxels)]), shape: Shape([1, m] + crop)),
                                              try backend.upload(Array(targets[0..<(3 * voxels)]), shape: Shape([1, 3] + crop)))
        let name = "\(architecture.kind.rawValue) \(crop.map(String.init).joined(separator: "x")) b\(batch) \(meta == .off ? "plain" : "bi-level")"
        let twin = meta == .off ? TwinSpec(op: twinOp, shapes: (twinShapes ?? ["channels": architecture.channels]).merging(["crop": crop]) { $1 },
                                           options: ["batch": Double(batch), "modalities": Double(m),
                                                     "outputs": Double(architecture.outputChannels), "kd_weight": 0.1])
            : nil
        return try timeSteps(backend, name: name, shape: "\(model.parameterCount) parameters", repeats: repeats, twin: twin,
                             report: &report) {
            _ = try trainer.train(input: try backend.upload(images, shape: Shape([batch, m] + crop)),
                                  targets: try backend.upload(targets, shape: Shape([batch, 3] + crop)), metaBatch: metaBatch)
        }
    }

    /// The AV-MNIST step on real batches from the cache (skipped, saying why, without it).
    static func avmnistSteps(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        let cache = AVMNISTCache.defaultFile().path
        guard FileManager.default.fileExists(atPath: cache) else {
            print("  AV-MNIST steps skipped: no cache at \(cache) (scripts/setup-avmnist builds it)")
            return
        }
        let data = try AVMNISTDataset(cachePath: cache, configuration: AVMNISTConfiguration(seed: 0, audioRate: 0.1))
        let batchSize = quick ? 8 : 64
        let batch = try data.train.batch(Array(0..<batchSize))
        let complete = data.train.samples.indices.filter { data.train.samples[$0].imagePresent && data.train.samples[$0].audioPresent }
        for meta in [MetaMode.off, .bilevel] {
            let model = try AVMNISTModel(backend, architecture: .paper, seed: 1)
            var settings = AVMNISTTrainingSettings(steps: 1000, stepsPerEpoch: 17)
            settings.meta = meta
            let trainer = try AVMNISTTrainer(model: model, settings: settings)
            let metaInput = try trainer.metaInput(try data.train.batch(Array(complete.prefix(10))))
            _ = try timeSteps(backend, name: "avmnist b\(batchSize) \(meta == .off ? "plain" : "bi-level")",
                              shape: "\(model.parameterCount) parameters, audio rate 10%", repeats: quick ? 1 : 5, twin: nil,
                              report: &report) {
                _ = try trainer.train(batch: batch, meta: meta == .off ? nil : metaInput)
            }
        }
    }
}
