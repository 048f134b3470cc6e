import ArgumentParser
import Foundation
import MCKDData

/// `mckd avmnist-build`: raw downloads -> one compact cache file.
struct AVMNISTBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avmnist-build",
        abstract: "Convert the raw AV-MNIST downloads (MNIST CSV, WAV clips) into the compact cache file.",
        discussion: "Normally run by scripts/setup-avmnist. Raw layout: RAW/mnist_5k.csv.gz, RAW/audio/{synthetic,real}/<digit>/*.wav."
    )

    @Option(help: "Folder with the raw downloads (default: <cache folder>/raw).")
    var raw: String?

    @Option(help: "Cache file to write (default: $MCKD_CACHE/avmnist/avmnist.bin or ~/.cache/mckd/avmnist/avmnist.bin).")
    var output: String?

    func run() throws {
        let rawFolder = raw ?? AVMNISTCache.defaultDirectory().appendingPathComponent("raw").path
        let outputPath = output ?? AVMNISTCache.defaultFile().path
        let cache = try AVMNISTCacheBuilder.build(rawDirectory: rawFolder) { print($0) }
        try cache.write(to: outputPath)
        let size = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? Int) ?? 0
        print("wrote \(outputPath) (\(size / 1024) KiB)")
    }
}
