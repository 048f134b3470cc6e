import MCKDEngine
import MCKDTraining

/// Exact device-memory plans from dry runs (the same code allocates the same
/// tensors, nothing is computed), for steps too large to run here: the small model's
/// bi-level step, the paper model's plain and bi-level steps at the reference crop
/// 80x160x160, batch 2, and that bi-level step on a device limited to the PyTorch
/// reference's plain-step peak (15.3 GB, the issue's target).
enum MemoryPlanSection {
    static let torchPlainStepPeak = 15_300_000_000

    static func run(_ backend: any Backend, quick: Bool, report: inout BenchReport) throws {
        print("memory")
        guard let device = (backend as? OpenCLBackend)?.device else {
            print("  memory plans skipped: they need an OpenCL device (dry runs of its buffer pool)")
            return
        }
        try plan(on: device, architecture: .small, crop: quick ? [8, 8, 8] : [64, 64, 64], batch: quick ? 1 : 2, report: &report)
        let paper = quick ? try SegmentationArchitecture.paper(widthDivisor: 16) : .paper
        let referenceCrop = quick ? [32, 64, 64] : [80, 160, 160]
        let batch = quick ? 1 : 2
        for meta in [MetaMode.off, .bilevel] {
            try plan(on: device, architecture: paper, crop: referenceCrop, batch: batch, meta: meta, report: &report)
        }
        try plan(on: device, architecture: paper, crop: referenceCrop, batch: batch, meta: .bilevel,
                 memoryLimit: quick ? 48 << 20 : torchPlainStepPeak, report: &report)
    }

    /// Four steps on a dry-run backend; the row holds the fourth (steady) step's live
    /// high-water mark and the pool's. With `memoryLimit` the pool stays under it by
    /// giving spare buffers back: the row says whether the step fits and how many
    /// buffers each step then re-makes.
    static func plan(on device: OpenCLDevice, architecture: SegmentationArchitecture, crop: [Int], batch: Int,
                     meta: MetaMode = .bilevel, memoryLimit: Int? = nil, report: inout BenchReport) throws {
        let backend = try OpenCLBackend(device: device, dryRun: true, memoryLimit: memoryLimit)
        let model = try SegmentationModel(backend, architecture: architecture, seed: 1)
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.meta = meta
        let trainer = try SegmentationTrainer(model: model, settings: settings)
        let m = architecture.modalities
        let input = try backend.makeTensor(shape: Shape([batch, m] + crop)), targets = try backend.makeTensor(shape: Shape([batch, 3] + crop))
        let metaBatch = meta == .off ? nil
            : (try backend.makeTensor(shape: Shape([1, m] + crop)), try backend.makeTensor(shape: Shape([1, 3] + crop)))
        var name = "\(architecture.kind.rawValue) \(crop.map(String.init).joined(separator: "x")) b\(batch) \(meta == .off ? "plain" : "bi-level")"
        if let memoryLimit { name += " within \(formatBytes(memoryLimit))" }
        var row = BenchRow(section: "memory", name: name, shape: "\(model.parameterCount) parameters", seconds: 0, rate: 0, unit: "dry run")
        defer { report.rows.append(row) }
        do {
            for _ in 0..<3 { try trainer.train(input: input, targets: targets, metaBatch: metaBatch) }
            backend.counters.reset()
            try trainer.train(input: input, targets: targets, metaBatch: metaBatch)
        } catch EngineError.outOfDeviceMemory(let requested, let inUse, _, _) where memoryLimit != nil {
            row.unit = "dry run: does not fit"
            print("  \(name): does not fit (\(formatBytes(inUse)) live when \(formatBytes(requested)) more was needed)")
            return
        }
        row.peakDeviceBytes = backend.counters.peakBytesInUse
        row.reservedDeviceBytes = backend.peakReservedDeviceBytes
        row.buffersRemadePerStep = backend.counters.allocations
        print("  \(name): live tensors at most \(formatBytes(backend.counters.peakBytesInUse)),"
              + " pool \(formatBytes(backend.peakReservedDeviceBytes)) (\(backend.peakReservedDeviceBytes) bytes)"
              + (memoryLimit == nil ? "" : ", \(backend.counters.allocations) buffers re-made per step"))
    }
}
