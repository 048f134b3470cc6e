import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining

/// `mckd predict`: a BraTS label map for one case from a chosen set of modalities.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict a label map (0, 1, 2, 4) for one case with the given modalities available.",
        discussion: "The case folder holds <case>_{flair,t1,t1ce,t2}.nii.gz; modalities not in --available are zeroed (their files are still read for the grid).")

    @Option(name: .customLong("run"), help: "Run folder written by `mckd train`.")
    var runDirectory: String
    @Option(help: "Case folder in BraTS layout.")
    var `case`: String
    @Option(help: "Available modalities, e.g. flair,t1ce (default: all).")
    var available = "flair,t1,t1ce,t2"
    @Option(help: "Output label map (.nii or .nii.gz).")
    var out: String
    @Option(help: "Device: cpu or gpuN.")
    var device = "gpu0"

    func run() throws {
        try reportingErrors {
            let subset = try ModalitySet.parse(available, names: ["flair", "t1", "t1ce", "t2"])
            let directory = URL(fileURLWithPath: `case`)
            let id = directory.lastPathComponent
            let files = ["flair", "t1", "t1ce", "t2"].map { directory.appendingPathComponent("\(id)_\($0).nii.gz") }
            let volume = try BraTSCaseLoader.load(BraTSCase(id: id, grade: nil, directory: directory, modalityFiles: files,
                                                            segmentationFile: nil))
            let backend = try makeBackend(device: device)
            let trained = try TrainedRun(directory: URL(fileURLWithPath: runDirectory), backend: backend)
            try trained.predict(volume, available: subset, to: URL(fileURLWithPath: out))
            print("wrote \(out): labels for \(id) from \(subset.name(["FLAIR", "T1", "T1ce", "T2"])) (step \(trained.step) of \(runDirectory))")
        }
    }
}
