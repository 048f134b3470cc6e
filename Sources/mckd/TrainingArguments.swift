import ArgumentParser
import Foundation
import MCKDData
import MCKDTraining

extension TaskKind: ExpressibleByArgument {}
extension MetaMode: ExpressibleByArgument {}

/// `mckd train`'s options that every task takes: the task, the device, the run's length
/// and seed, the method's settings and the run folder.
struct SharedTrainingArguments: ParsableArguments {
    @Option(help: "Task: brats (segmentation) or avmnist (classification, needs scripts/setup-avmnist).")
    var task: TaskKind = .brats
    @Option(help: "Device: cpu, gpuN (see `mckd devices`) or auto (gpu{local rank} under mpirun, else gpu0).")
    var device = "gpu0"
    @Option(help: "Training steps (default: 300 for brats; avmnist trains --epochs unless --steps is given).")
    var steps: Int?
    @Option(help: "Batch size (default: 2 for brats, 64 for avmnist).")
    var batch: Int?
    @Option(help: "Network learning rate (brats: 1e-2, SGD Nesterov momentum 0.99, poly decay; avmnist: 1e-3, Adam, x0.9 every 20 epochs).")
    var lr: Float?
    @Option(help: "Random seed (weights, data split, crops, modality dropout).")
    var seed: UInt64 = 0
    @Option(help: "Fraction of the steps trained with all modalities before random modality dropout (0: dropout from the first step; the reference uses about 0.7).")
    var warmupAllModalities: Double = 0
    @Option(help: "Knowledge-distillation loss: none, l1 or mse.")
    var kd = "l1"
    @Option(help: "Weight lambda of the KD loss.")
    var kdWeight: Float = 0.1
    @Option(help: "Importance-weight learning: bilevel, gated or off (uniform weights).")
    var meta: MetaMode = .bilevel
    @Option(help: "Run a meta step every K steps (default: 1 for bilevel, 100 for gated).")
    var metaEvery: Int?
    @Option(help: "Meta-validation batches per meta step, one theta_w update each (default: 20 for gated; bilevel takes 1).")
    var metaBatches: Int?
    @Option(help: "Meta-validation cases (brats, default 4) or pairs with both modalities (avmnist, default 10) held out for the importance weights.")
    var metaValSize: Int?
    @Option(help: "Run folder (metrics.jsonl, checkpoint, evaluation, report.html; default runs/latest, which a new run replaces).")
    var out: String?
    @Flag(help: "Continue the run in --out from its checkpoint.")
    var resume = false
    @Flag(help: "Start over in an --out that holds a run, deleting its checkpoint, metrics and evaluation.")
    var force = false
    @Option(help: "Write a checkpoint every N steps (default: 50 for brats, 200 for avmnist).")
    var checkpointEvery: Int?
    @Option(help: "Checkpoint and stop after this step (e.g. at the end of a time-limited job); continue with --resume.")
    var stopAfter: Int?
    @Option(help: "Micro-batches per process and step (brats): --batch is split over mpirun's N processes, then into K; one process with --accumulate N trains what N processes do, bit for bit.")
    var accumulate = 1
    @Option(help: "Under mpirun: seconds one collective may wait for the other processes before every one is aborted.")
    var collectiveTimeout: Double = 300
    @Flag(help: "Under mpirun: average gradients with MPI_Allreduce (the library's order of additions: not bitwise reproducible) instead of the fixed-order reduce-scatter.")
    var mpiAllreduce = false

    /// The run folder; runs/latest unless --out names one.
    var runFolder: String { out ?? "runs/latest" }
    /// Whether a fresh start may delete a run already in the folder: asked with --force,
    /// or the default runs/latest, which by its name holds the latest run.
    var replacesEarlierRun: Bool { force || out == nil }

    /// mpirun's process count (1 without mpirun).
    var processes: Int { ProcessGroup.launchedSize ?? 1 }

    /// The run's training settings for `steps` steps: seed, the method's settings from
    /// these options, the task's own from `options` with --lr. The meta schedule's K is
    /// always recorded (configurations keep their earlier form); R only when given.
    func training<Options>(steps: Int, options: Options, defaultLearningRate: Float) throws -> TrainingSettings<Options> {
        try checkValues(steps: steps)
        var training = TrainingSettings<Options>(steps: steps)
        training.options = options
        training.learningRate = lr ?? defaultLearningRate
        training.seed = seed
        do {
            training.distillation = try MCKDSettings.distillation(named: kd)
        } catch {
            throw ValidationError("--kd \(kd): choose none, l1 or mse")
        }
        training.distillationWeight = kdWeight
        training.warmupSteps = Int((warmupAllModalities * Double(steps)).rounded())
        training.meta = meta
        training.metaEvery = metaEvery ?? meta.defaultInterval
        training.metaBatches = metaBatches
        do {
            try training.method.validateMetaSchedule()
        } catch {
            throw ValidationError("--meta \(meta) --meta-every \(training.metaEvery!) --meta-batches \(training.metaBatchCount): \(error)")
        }
        return training
    }

    /// The options every task takes, each finite and in range, before any work.
    func checkValues(steps: Int) throws {
        if let lr { try OptionCheck.positive(lr, option: "--lr", meaning: "the learning rate") }
        try OptionCheck.finite(kdWeight, option: "--kd-weight", in: 0...Float.greatestFiniteMagnitude, meaning: "the KD loss's weight, a finite number >= 0")
        try OptionCheck.finite(warmupAllModalities, option: "--warmup-all-modalities", in: 0...1, meaning: "a fraction of the steps in [0, 1]")
        try OptionCheck.collectiveTimeout(collectiveTimeout)
        try OptionCheck.atLeast(checkpointEvery, 1, option: "--checkpoint-every")
        try OptionCheck.atLeast(metaValSize, 1, option: "--meta-val-size")
        if force && resume { throw ValidationError("--force starts over and --resume continues: give one of them") }
        if let stopAfter, !(1...steps).contains(stopAfter) {
            throw ValidationError("--stop-after \(stopAfter): a step of the run, 1 to \(steps)")
        }
    }
}

/// `mckd train`'s options for BraTS (segmentation).
struct BraTSArguments: ParsableArguments {
    @Option(help: "BraTS folder (BraTS 2018-2021 or 2023 names, or Decathlon Task01; cases may lack modality files: docs/data.md), 'anatomical' (the default: the SYNTHETIC phantom simulated on real anatomy, docs/data.md) or 'synthetic' or 'procedural' (the procedural phantom).")
    var data: String?
    @Option(help: "Architecture: small, or paper (the ~43.7M-parameter ResNet-50-3D + ASPP model; crop D divisible by 16, H and W by 32).")
    var arch: String?
    @Option(help: "Encoder widths per level for --arch small, e.g. 8,16,32 (the paper model's widths are fixed).")
    var channels: String?
    @Option(help: "Training crop D,H,W (small: divisible by 2^(levels-1); paper: D by 16, H and W by 32, e.g. 32,64,64; default 32,32,32).")
    var crop: String?
    @Flag(help: "Draw the random modality subset per sample instead of once per batch.")
    var perSampleModalities = false
    @Flag(help: "Fill in missing modalities' skip features too (mean of the available ones), not only the bottleneck.")
    var fillSkips = false
    @Option(help: "Test cases held out for the final evaluation (default 4).")
    var testSize: Int?
    @Option(help: "MiB of preprocessed cases kept in memory between crops (default: 4096, or a quarter of the host's memory where that is less); a case dropped is read again from its files when a crop needs it, so memory does not grow with the dataset. 0 keeps none. Changes no result.")
    var caseCacheMib: Int?

    /// The options of this group that were given (another task refuses them).
    var given: [String] {
        [data.map { _ in "--data" }, arch.map { _ in "--arch" }, channels.map { _ in "--channels" }, crop.map { _ in "--crop" },
         perSampleModalities ? "--per-sample-modalities" : nil, fillSkips ? "--fill-skips" : nil, testSize.map { _ in "--test-size" },
         caseCacheMib.map { _ in "--case-cache-mib" }]
            .compactMap { $0 }
    }

    func configuration(_ shared: SharedTrainingArguments) throws -> BraTSRunConfiguration {
        var configuration = BraTSRunConfiguration()
        switch SegmentationArchitecture.Kind(rawValue: arch ?? "small") {
        case .small:
            let widths = try OptionCheck.integers(channels ?? "8,16,32", option: "--channels")
            guard widths.count >= 2 else { throw ValidationError("--channels needs two or more widths, e.g. 8,16,32") }
            configuration.architecture.channels = widths
        case .paper:
            guard channels == nil else { throw ValidationError("--channels is for --arch small; the paper model's widths are fixed") }
            configuration.architecture = .paper
        case nil:
            throw ValidationError("--arch \(arch!): choose small or paper")
        }
        let cropSizes = try OptionCheck.integers(crop ?? "32,32,32", option: "--crop", count: 3)
        do {
            try configuration.architecture.checkCrop(cropSizes)
        } catch {
            throw ValidationError("--crop: \(error)")
        }
        let steps = shared.steps ?? 300, batch = shared.batch ?? 2
        guard steps >= 1, batch >= 1 else { throw ValidationError("--steps and --batch must be positive") }
        configuration.architecture.fillSkips = fillSkips
        configuration.crop = cropSizes
        configuration.batchSize = batch
        configuration.data = data.map { $0 == "procedural" ? GeneratedData.procedural : $0 } ?? GeneratedData.anatomical
        configuration.metaValidationCases = shared.metaValSize ?? 4
        try OptionCheck.atLeast(testSize, 0, option: "--test-size")
        configuration.testCases = testSize ?? 4
        configuration.checkpointEvery = shared.checkpointEvery ?? 50
        guard shared.accumulate >= 1 else { throw ValidationError("--accumulate must be positive") }
        let microBatches = shared.processes * shared.accumulate
        guard batch % microBatches == 0 else {
            throw ValidationError("--batch \(batch) must be divisible by the processes (\(shared.processes)) x --accumulate (\(shared.accumulate)) = \(microBatches)")
        }
        configuration.microBatches = microBatches > 1 ? microBatches : nil
        configuration.cropDrawing = try cropDrawing(shared)
        _ = try dataLoading()
        var options = BraTSTrainingOptions()
        options.perSampleSubsets = perSampleModalities ? true : nil
        configuration.training = try shared.training(steps: steps, options: options, defaultLearningRate: 1e-2)
        return configuration
    }
}

extension BraTSArguments {
    /// What the case cache may hold, checked; not part of the configuration (no result depends on it).
    func dataLoading() throws -> DataLoading {
        try OptionCheck.caseCacheMiB(caseCacheMib)
        return DataLoading(caseCacheBytes: caseCacheMib.map { $0 << 20 })
    }

    /// New runs draw each crop from its own generator; a resumed run keeps what its folder
    /// recorded (none: a run from before, drawn from one stream), so it continues bitwise.
    func cropDrawing(_ shared: SharedTrainingArguments) throws -> BraTSCropSampler.Drawing? {
        let folder = URL(fileURLWithPath: shared.runFolder)
        guard shared.resume, FileManager.default.fileExists(atPath: folder.appendingPathComponent("configuration.json").path) else {
            return .perCrop
        }
        guard case let .brats(earlier) = try RunConfiguration.read(from: folder) else { return .perCrop }
        return earlier.cropDrawing
    }
}

/// `mckd train`'s options for AV-MNIST (classification).
struct AVMNISTArguments: ParsableArguments {
    /// Epochs when neither --epochs nor --steps is given: a few minutes on PoCL on 2 cores.
    static let defaultEpochs = 40

    @Option(help: "Training epochs (default 40).")
    var epochs: Int?
    @Option(help: "Percent of training pairs that keep their audio (default 10, the paper's headline setting).")
    var audioRate: Double?
    @Option(help: "Percent of training pairs that keep their image (default 100).")
    var visualRate: Double?

    /// The options of this group that were given (another task refuses them).
    var given: [String] {
        [epochs.map { _ in "--epochs" }, audioRate.map { _ in "--audio-rate" }, visualRate.map { _ in "--visual-rate" }].compactMap { $0 }
    }

    func configuration(_ shared: SharedTrainingArguments) throws -> AVMNISTRunConfiguration {
        guard epochs == nil || shared.steps == nil else { throw ValidationError("give --epochs or --steps, not both") }
        let audioRate = self.audioRate ?? 10, visualRate = self.visualRate ?? 100
        for (name, rate) in [("--audio-rate", audioRate), ("--visual-rate", visualRate)] where !(rate > 0 && rate <= 100) {
            throw ValidationError("\(name) \(rate): a percentage in (0, 100]")
        }
        if shared.processes > 1 || shared.accumulate > 1, let limitation = TaskKind.avmnist.dataParallelLimitation {
            throw ValidationError(limitation)
        }
        var configuration = AVMNISTRunConfiguration()
        configuration.batchSize = shared.batch ?? 64
        configuration.audioRate = audioRate == 100 ? nil : audioRate
        configuration.visualRate = visualRate == 100 ? nil : visualRate
        configuration.metaValidationSize = shared.metaValSize ?? 10
        configuration.checkpointEvery = shared.checkpointEvery ?? 200
        do {
            try configuration.setLength(epochs: shared.steps == nil ? (epochs ?? Self.defaultEpochs) : nil, steps: shared.steps)
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.training = try shared.training(steps: configuration.training.steps, options: configuration.training.options,
                                                     defaultLearningRate: 1e-3)
        return configuration
    }
}
