import Foundation
import MCKDData
import MCKDEngine

/// Everything that defines an AV-MNIST training run; stored in the run folder and in
/// checkpoints so `--resume` continues exactly the same run.
public struct AVMNISTRunConfiguration: TaskConfiguration {
    public static let task = TaskKind.avmnist

    public var architecture = AVMNISTArchitecture.paper
    public var training = AVMNISTTrainingSettings(steps: 1, stepsPerEpoch: 1)
    public var batchSize = 64
    /// Percent of training samples that keep their audio / image (nil: all; method.md's
    /// "audio rate"). The paper's headline setting is audio rate 10%.
    public var audioRate: Double? = 10
    public var visualRate: Double? = nil
    /// Training pairs with both modalities held out for the importance weights (each of a
    /// meta step's R passes uses all of them); they are never trained on, whatever `--meta` is.
    public var metaValidationSize = 10
    public var checkpointEvery = 200
    /// The AV-MNIST cache file (nil: `AVMNISTCache.defaultFile()`).
    public var cachePath: String? = nil
    /// Pairs per digit (the paper's 105 / 45; the tests use fewer).
    public var trainPairsPerClass = 105
    public var testPairsPerClass = 45

    public init() {}

    public func makeModel(backend: any Backend) throws -> AVMNISTModel {
        try AVMNISTModel(backend, architecture: architecture, seed: training.seed)
    }

    /// Training pairs that are trained on (the training split less the meta-validation pairs).
    public var trainingPairs: Int { 10 * trainPairsPerClass - metaValidationSize }
    public var stepsPerEpoch: Int { (trainingPairs + batchSize - 1) / max(1, batchSize) }

    /// Sets the run's length from epochs or steps (exactly one), with the epoch length
    /// following from the batch size.
    public mutating func setLength(epochs: Int?, steps: Int?) throws {
        guard batchSize >= 1, metaValidationSize >= 1, trainingPairs >= 1 else {
            throw AVMNISTError.invalidConfiguration("batch size and meta-validation size must be positive, and leave training pairs")
        }
        switch (epochs, steps) {
        case let (epochs?, nil) where epochs >= 1: training.steps = epochs * stepsPerEpoch
        case let (nil, steps?) where steps >= 1: training.steps = steps
        default: throw AVMNISTError.invalidConfiguration("give a positive number of epochs or of steps (one of them)")
        }
        training.stepsPerEpoch = stepsPerEpoch
    }

    /// The data layer's configuration (rates as fractions).
    public var dataConfiguration: AVMNISTConfiguration {
        var data = AVMNISTConfiguration(seed: training.seed, audioRate: (audioRate ?? 100) / 100, visualRate: (visualRate ?? 100) / 100)
        data.trainPairsPerClass = trainPairsPerClass
        data.testPairsPerClass = testPairsPerClass
        return data
    }

    /// The dataset with the run's rates; a missing cache says to run scripts/setup-avmnist.
    public func loadData() throws -> AVMNISTDataset {
        try AVMNISTDataset(cachePath: cachePath, configuration: dataConfiguration)
    }
}
