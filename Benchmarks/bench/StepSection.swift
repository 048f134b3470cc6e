import Foundation
import MCKDEngine
import MCKDTraining

/// Whole training steps: the small model (4 modalities, 64^3 crop, batch 2) with the
/// plain step and with the bi-level meta step; the first step (kernel builds
/// included) and the steady state, with per-step kernel launches, host<->device
/// bytes and the device memory high-water mark.
enum StepSection {
    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        print("steps")
        let architecture = SegmentationArchitecture.small
        let crop = quick ? [8, 8, 8] : [64, 64, 64]
        let batch = quick ? 1 : 2
        let plain = try measure(backend, architecture: architecture, crop: crop, batch: batch, meta: .off, quick: quick, report: &report)
        let bilevel = try measure(backend, architecture: architecture, crop: crop, batch: batch, meta: .bilevel, quick: quick, report: &report)
        print(String(format: "  bi-level step / plain step: %.2fx", bilevel / plain))
        if let device = backend as? OpenCLBackend {
            try plan(on: device.device, architecture: architecture, crop: crop, batch: batch, report: &report)
        }
    }

    /// The device memory of a bi-level step from a dry run (exact: the same code
    /// allocates the same tensors, nothing is computed), for crops too large to run.
    static func plan(on device: OpenCLDevice, architecture: SegmentationArchitecture, crop: [Int], batch: Int,
                     report: inout BenchReport) throws {
        let backend = try OpenCLBackend(device: device, dryRun: true)
        let model = try SegmentationModel(backend, architecture: architecture, seed: 1)
        let trainer = try SegmentationTrainer(model: model, settings: SegmentationTrainingSettings(steps: 10))
        let m = architecture.modalities
        let input = try backend.makeTensor(shape: Shape([batch, m] + crop)), targets = try backend.makeTensor(shape: Shape([batch, 3] + crop))
        let meta = (try backend.makeTensor(shape: Shape([1, m] + crop)), try backend.makeTensor(shape: Shape([1, 3] + crop)))
        for _ in 0..<2 { try trainer.train(input: input, targets: targets, metaBatch: meta) }
        var row = BenchRow(section: "steps", name: "plan \(crop.map(String.init).joined(separator: "x")) b\(batch) bi-level",
                           shape: "\(model.parameterCount) parameters", seconds: 0, rate: 0, unit: "(dry run)")
        row.peakDeviceBytes = backend.peakReservedDeviceBytes
        report.rows.append(row)
        print("  memory plan, bi-level step at \(row.name.dropFirst(5)): live tensors at most \(formatBytes(backend.counters.peakBytesInUse)),"
              + " pool \(formatBytes(backend.peakReservedDeviceBytes))")
    }

    /// Times steps of a fresh small model; returns the steady-state seconds per step.
    @discardableResult
    static func measure(_ backend: any Backend, architecture: SegmentationArchitecture, crop: [Int], batch: Int,
                        meta: MetaMode, quick: Bool, report: inout BenchReport) throws -> Double {
        let model = try SegmentationModel(backend, architecture: architecture, seed: 1)
        var settings = SegmentationTrainingSettings(steps: 1000)
        settings.meta = meta
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let m = architecture.modalities
        let voxels = crop.reduce(1, *)
        var random = SystemRandomNumberGenerator()
        let images = (0..<(batch * m * voxels)).map { _ in Float.random(in: -1...1, using: &random) }
        let targets = (0..<(batch * 3 * voxels)).map { _ in Float(Int.random(in: 0...1, using: &random)) }
        let inputShape = Shape([batch, m] + crop), targetShape = Shape([batch, 3] + crop)
        let metaInput = try backend.upload(Array(images[0..<(m * voxels)]), shape: Shape([1, m] + crop))
        let metaTargets = try backend.upload(Array(targets[0..<(3 * voxels)]), shape: Shape([1, 3] + crop))

        func step() throws {
            let input = try backend.upload(images, shape: inputShape)
            let target = try backend.upload(targets, shape: targetShape)
            _ = try trainer.train(input: input, targets: target, metaBatch: meta == .off ? nil : (metaInput, metaTargets))
            try backend.synchronize()
        }
        let name = "small \(crop.map(String.init).joined(separator: "x")) b\(batch) \(meta == .off ? "plain" : "bi-level")"
        let shape = "\(architecture.channels) x\(m) modalities"
        let first = try timed(step)
        report.add(BenchRow(section: "steps", name: "\(name) first", shape: shape, seconds: first, rate: 1 / first, unit: "step/s"))
        _ = try timed(step)
        backend.counters.reset()
        let repeats = quick ? 1 : 3
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try timed(step)) }
        let launches = backend.counters.kernelLaunches / repeats
        let moved = (backend.counters.bytesToDevice + backend.counters.bytesFromDevice) / repeats
        var row = BenchRow(section: "steps", name: name, shape: shape, seconds: best, rate: 1 / best, unit: "step/s",
                           twin: meta == .off ? TwinSpec(op: "small_model_step", shapes: ["channels": architecture.channels, "crop": crop],
                                                         options: ["batch": Double(batch), "modalities": Double(m),
                                                                   "outputs": Double(architecture.outputChannels), "kd_weight": 0.1])
                                              : nil)
        row.kernelLaunches = launches
        row.bytesMoved = moved
        row.peakDeviceBytes = (backend as? OpenCLBackend)?.peakReservedDeviceBytes ?? backend.counters.peakBytesInUse
        report.add(row)
        print("      \(launches) launches, \(formatBytes(moved)) host<->device (input batch \(formatBytes(4 * (images.count + targets.count)))),"
              + " live tensors at most \(formatBytes(backend.counters.peakBytesInUse)), pool \(formatBytes(row.peakDeviceBytes!))")
        return best
    }

    private static func timed(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
