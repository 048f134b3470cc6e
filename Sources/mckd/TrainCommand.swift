import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDReport
import MCKDTraining

extension DistillationMode: ExpressibleByArgument {}
extension MetaMode: ExpressibleByArgument {}

/// `mckd train`: MCKD training with the missing-modality evaluation at the end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an MCKD model (default: the small model on the SYNTHETIC phantom, on gpu0).")

    @Option(help: "Task: brats (segmentation) or avmnist (classification, needs scripts/setup-avmnist).")
    var task = "brats"
    @Option(help: "BraTS folder, 'anatomical' (the default: the SYNTHETIC phantom simulated on real anatomy, docs/data.md) or 'synthetic' or 'procedural' (the procedural phantom).")
    var data = GeneratedData.anatomical
    @Option(help: "Device: cpu or gpuN (see `mckd devices`).")
    var device = "gpu0"
    @Option(help: "Architecture: small, or paper (the ~43.7M-parameter ResNet-50-3D + ASPP model; crop D divisible by 16, H and W by 32).")
    var arch = "small"
    @Option(help: "Encoder widths per level for --arch small, e.g. 8,16,32 (the paper model's widths are fixed).")
    var channels: String?
    @Option(help: "Training steps (default: 300 for brats; avmnist trains --epochs unless --steps is given).")
    var steps: Int?
    @Option(help: "AV-MNIST: training epochs (default 40).")
    var epochs: Int?
    @Option(help: "Batch size (default: 2 for brats, 64 for avmnist).")
    var batch: Int?
    @Option(help: "Training crop D,H,W (small: divisible by 2^(levels-1); paper: D by 16, H and W by 32, e.g. 32,64,64).")
    var crop = "32,32,32"
    @Option(help: "Network learning rate (brats: 1e-2, SGD Nesterov momentum 0.99, poly decay; avmnist: 1e-3, Adam, x0.9 every 20 epochs).")
    var lr: Float?
    @Option(help: "Random seed (weights, data split, crops, modality dropout).")
    var seed: UInt64 = 0
    @Option(help: "Fraction of the steps trained with all modalities before random modality dropout (0: dropout from the first step; the reference uses about 0.7).")
    var warmupAllModalities: Double = 0
    @Flag(help: "BraTS: draw the random modality subset per sample instead of once per batch.")
    var perSampleModalities = false
    @Flag(help: "BraTS: fill in missing modalities' skip features too (mean of the available ones), not only the bottleneck.")
    var fillSkips = false
    @Option(help: "Knowledge-distillation loss: none, l1 or mse.")
    var kd: DistillationMode = .l1
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
    @Option(help: "AV-MNIST: percent of training pairs that keep their audio (default 10, the paper's headline setting).")
    var audioRate: Double = 10
    @Option(help: "AV-MNIST: percent of training pairs that keep their image (default 100).")
    var visualRate: Double = 100
    @Option(help: "Test cases held out for the final evaluation.")
    var testSize = 4
    @Option(help: "Run folder (metrics.jsonl, checkpoint, evaluation, report.html).")
    var out = "runs/latest"
    @Flag(help: "Continue the run in --out from its checkpoint.")
    var resume = false
    @Option(help: "Write a checkpoint every N steps (default: 50 for brats, 200 for avmnist).")
    var checkpointEvery: Int?

    func configuration() throws -> BraTSRunConfiguration {
        guard task == "brats" else { throw ValidationError("--task \(task): choose brats or avmnist") }
        guard epochs == nil else { throw ValidationError("--epochs is for --task avmnist; brats trains --steps") }
        let steps = self.steps ?? 300, batch = self.batch ?? 2
        var configuration = BraTSRunConfiguration()
        switch SegmentationArchitecture.Kind(rawValue: arch) {
        case .small:
            let widths = (channels ?? "8,16,32").split(separator: ",").compactMap { Int($0) }
            guard widths.count >= 2, widths.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--channels needs two or more widths, e.g. 8,16,32") }
            configuration.architecture.channels = widths
        case .paper:
            guard channels == nil else { throw ValidationError("--channels is for --arch small; the paper model's widths are fixed") }
            configuration.architecture = .paper
        case nil:
            throw ValidationError("--arch \(arch): choose small or paper")
        }
        let cropSizes = crop.split(separator: ",").compactMap { Int($0) }
        guard cropSizes.count == 3 else { throw ValidationError("--crop must be D,H,W") }
        do {
            try configuration.architecture.checkCrop(cropSizes)
        } catch {
            throw ValidationError("--crop: \(error)")
        }
        guard steps >= 1, batch >= 1 else { throw ValidationError("--steps and --batch must be positive") }
        configuration.architecture.fillSkips = fillSkips
        configuration.crop = cropSizes
        configuration.batchSize = batch
        configuration.data = data == "procedural" ? GeneratedData.procedural : data
        configuration.metaValidationCases = metaValSize ?? 4
        configuration.testCases = testSize
        configuration.checkpointEvery = max(1, checkpointEvery ?? 50)
        var training = SegmentationTrainingSettings(steps: steps)
        training.learningRate = lr ?? 1e-2
        training.seed = seed
        training.warmupSteps = try warmupSteps(of: steps)
        training.distillation = kd
        training.distillationWeight = kdWeight
        training.perSampleSubsets = perSampleModalities ? true : nil
        try setMetaSchedule(&training)
        configuration.training = training
        return configuration
    }

    /// --warmup-all-modalities as a number of steps.
    func warmupSteps(of steps: Int) throws -> Int {
        guard (0...1).contains(warmupAllModalities) else {
            throw ValidationError("--warmup-all-modalities \(warmupAllModalities): a fraction of the steps in [0, 1]")
        }
        return Int((warmupAllModalities * Double(steps)).rounded())
    }

    /// --meta, --meta-every and --meta-batches, with the library's defaults for the mode.
    /// K is always recorded (configurations keep their earlier form); R only when given.
    func setMetaSchedule<Settings: MetaSchedule>(_ settings: inout Settings) throws {
        settings.meta = meta
        settings.metaEvery = metaEvery ?? meta.defaultInterval
        settings.metaBatches = metaBatches
        do {
            try settings.validateMetaSchedule()
        } catch {
            throw ValidationError("--meta \(meta) --meta-every \(settings.metaEvery!) --meta-batches \(settings.metaBatchCount): \(error)")
        }
    }

    func validate() throws {
        if task == "avmnist" { _ = try avmnistConfiguration() } else { _ = try configuration() }
    }

    func run() throws {
        if task == "avmnist" { return try runAVMNIST() }
        let configuration = try configuration()
        setlinebuf(stdout)   // keep printed lines in order with the progress reporter's writes
        try reportingErrors {
            let backend = try makeBackend(device: device)
            print("device: \(backend.name)")
            let directory = URL(fileURLWithPath: out)
            try recordDevice(backend, in: directory)
            let run = BraTSTrainingRun(configuration: configuration, backend: backend, directory: directory) { print($0) }
            let trainer: SegmentationTrainer, table: DiceTable?
            do {
                (trainer, table) = try run.run(resume: resume)
            } catch let error as TrainingError {
                // A run stopped by a non-finite loss still gets a report of what it did (the error follows).
                if case .nonFinite = error, let url = try? writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend) {
                    print("report of the stopped run: \(url.path)")
                }
                throw error
            }
            let names = ["FLAIR", "T1", "T1ce", "T2"]
            let weights = try trainer.importanceWeights()
            print("importance weights: " + zip(names, weights).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
            if let table {
                print("\nDice (%) on \(table.caseCount) test cases\(GeneratedData.isGenerated(configuration.data) ? " (SYNTHETIC phantom)" : ""):")
                print(TerminalDiceTable.render(table, colour: TerminalDiceTable.colourEnabled()))
            }
            print("\nrun folder: \(directory.path) (metrics.jsonl, checkpoint, evaluation.csv/json, report.html)")
            print(try writeReport(run: directory, baseline: nil, out: nil, device: device, backend: backend).path)
        }
    }
}

extension TrainCommand {
    /// The report's header names the device; the configuration does not hold it.
    func recordDevice(_ backend: any Backend, in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try (backend.name + "\n").write(to: directory.appendingPathComponent("device.txt"), atomically: true, encoding: .utf8)
    }
}
