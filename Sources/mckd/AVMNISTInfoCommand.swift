import ArgumentParser
import MCKDData

/// `mckd avmnist-info`: what the dataset holds for a given seed and rates.
struct AVMNISTInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avmnist-info",
        abstract: "Show AV-MNIST counts per digit and split, and which audio is real or synthetic."
    )

    @Option(help: "Cache file (default: $MCKD_CACHE/avmnist/avmnist.bin or ~/.cache/mckd/avmnist/avmnist.bin).")
    var cache: String?

    @Option(help: "Dataset seed (image choice, pairing, augmentation, masks).")
    var seed: UInt64 = 0

    @Option(help: "Fraction of training samples that keep their audio (0-1).")
    var audioRate: Double = 1

    @Option(help: "Fraction of training samples that keep their image (0-1).")
    var visualRate: Double = 1

    func run() throws {
        let path = cache ?? AVMNISTCache.defaultFile().path
        let loaded = try AVMNISTCache.load(path: path)
        let dataset = try AVMNISTDataset(cache: loaded, configuration: AVMNISTConfiguration(seed: seed, audioRate: audioRate, visualRate: visualRate))
        print("cache file: \(path)")
        print(AVMNISTSummary.report(dataset: dataset, cache: loaded))
    }
}
