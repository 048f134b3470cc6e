import ArgumentParser
import Foundation
import MCKDEngine
import MCKDTraining

extension DistillationMode: ExpressibleByArgument {}
extension MetaMode: ExpressibleByArgument {}

/// `mckd train`: MCKD training with the missing-modality evaluation at the end.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an MCKD model (default: the small model on the SYNTHETIC phantom, on gpu0).")

    @Option(help: "Task: brats (segmentation). avmnist is not available yet in this version.")
    var task = "brats"
    @Option(help: "BraTS folder, or 'synthetic' for the generated phantom (the default).")
    var data = "synthetic"
    @Option(help: "Device: cpu or gpuN (see `mckd devices`).")
    var device = "gpu0"
    @Option(help: "Architecture: small, or paper (the ~43.7M-parameter ResNet-50-3D + ASPP model; crop D divisible by 16, H and W by 32).")
    var arch = "small"
    @Option(help: "Encoder widths per level for --arch small, e.g. 8,16,32 (the paper model's widths are fixed).")
    var channels = "8,16,32"
    @Option(help: "Training steps.")
    var steps = 300
    @Option(help: "Batch size.")
    var batch = 2
    @Option(help: "Training crop D,H,W (small: divisible by 2^(levels-1); paper: D by 16, H and W by 32, e.g. 16,32,32).")
    var crop = "32,32,32"
    @Option(help: "Network learning rate (SGD, Nesterov momentum 0.99, poly decay).")
    var lr: Float = 1e-2
    @Option(help: "Random seed (weights, data split, crops, modality dropout).")
    var seed: UInt64 = 0
    @Option(help: "Fraction of the steps trained with all modalities before random modality dropout.")
    var warmupAllModalities: Double = 0
    @Option(help: "Knowledge-distillation loss: none, l1 or mse.")
    var kd: DistillationMode = .l1
    @Option(help: "Weight lambda of the KD loss.")
    var kdWeight: Float = 0.1
    @Option(help: "Importance-weight learning: bilevel, gated or off (uniform weights).")
    var meta: MetaMode = .bilevel
    @Option(help: "Run a meta step every K steps (default: 1 for bilevel, 100 for gated).")
    var metaEvery: Int?
    @Option(help: "Meta-validation cases held out for the importance weights.")
    var metaValSize = 4
    @Option(help: "Test cases held out for the final evaluation.")
    var testSize = 4
    @Option(help: "Run folder (metrics.jsonl, checkpoint, evaluation).")
    var out = "runs/latest"
    @Flag(help: "Continue the run in --out from its checkpoint.")
    var resume = false
    @Option(help: "Write a checkpoint every N steps.")
    var checkpointEvery = 50

    func configuration() throws -> BraTSRunConfiguration {
        guard task == "brats" else {
            throw ValidationError("--task \(task): only brats is available in this version (AV-MNIST training is not implemented yet)")
        }
        var configuration = BraTSRunConfiguration()
        switch SegmentationArchitecture.Kind(rawValue: arch) {
        case .small:
            let widths = channels.split(separator: ",").compactMap { Int($0) }
            guard widths.count >= 2, widths.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--channels needs two or more widths, e.g. 8,16,32") }
            configuration.architecture.channels = widths
        case .paper:
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
        configuration.crop = cropSizes
        configuration.batchSize = batch
        configuration.data = data
        configuration.metaValidationCases = metaValSize
        configuration.testCases = testSize
        configuration.checkpointEvery = max(1, checkpointEvery)
        var training = SegmentationTrainingSettings(steps: steps)
        training.learningRate = lr
        training.seed = seed
        training.warmupSteps = Int((warmupAllModalities * Double(steps)).rounded())
        training.distillation = kd
        training.distillationWeight = kdWeight
        training.meta = meta
        training.metaEvery = metaEvery ?? (meta == .gated ? 100 : 1)
        configuration.training = training
        return configuration
    }

    func validate() throws { _ = try configuration() }

    func run() throws {
        let configuration = try configuration()
        setlinebuf(stdout)   // keep printed lines in order with the progress reporter's writes
        try reportingErrors {
            let backend = try makeBackend(device: device)
            print("device: \(backend.name)")
            let directory = URL(fileURLWithPath: out)
            let run = BraTSTrainingRun(configuration: configuration, backend: backend, directory: directory) { print($0) }
            let (trainer, table) = try run.run(resume: resume)
            let names = ["FLAIR", "T1", "T1ce", "T2"]
            let weights = try trainer.importanceWeights()
            print("importance weights: " + zip(names, weights).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
            if let table {
                print("\nDice (%) on \(table.caseCount) test cases\(configuration.data == "synthetic" ? " (SYNTHETIC phantom)" : ""):")
                print(table.formatted())
            }
            print("\nrun folder: \(directory.path) (metrics.jsonl, checkpoint, evaluation.csv/json)")
        }
    }
}
