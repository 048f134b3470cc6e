import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDReport
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
    var out: String?
    @Option(help: "Also (or instead) write an overlay PNG: the four modalities on the axial slice through the tumour, ground truth (if the case has a _seg file) above the prediction.")
    var png: String?
    @Option(help: "Device: cpu or gpuN.")
    var device = "gpu0"

    func validate() throws {
        guard out != nil || png != nil else { throw ValidationError("give --out FILE.nii.gz, --png FILE.png or both") }
    }

    func run() throws {
        try reportingErrors {
            let subset = try ModalitySet.parse(available, names: BraTSModality.allCases.map(\.fileSuffix))
            let directory = URL(fileURLWithPath: `case`)
            let id = directory.lastPathComponent
            let files = BraTSModality.allCases.map { directory.appendingPathComponent("\(id)_\($0.fileSuffix).nii.gz") }
            // The ground truth, when the case has one, goes above the prediction in the PNG.
            let segmentation = directory.appendingPathComponent("\(id)_\(BraTSModality.segmentationSuffix).nii.gz")
            let hasSegmentation = png != nil && FileManager.default.fileExists(atPath: segmentation.path)
            let volume = try BraTSCaseLoader.load(BraTSCase(id: id, grade: nil, directory: directory, modalityFiles: files,
                                                            segmentationFile: hasSegmentation ? segmentation : nil))
            let backend = try makeBackend(device: device)
            let trained = try TrainedRun<BraTSTask>(directory: URL(fileURLWithPath: runDirectory), backend: backend)
            let names = TaskKind.brats.modalityNames
            if let out {
                try trained.predict(volume, available: subset, to: URL(fileURLWithPath: out))
                print("wrote \(out): labels for \(id) from \(subset.name(names)) (step \(trained.step) of \(runDirectory))")
            }
            if let png {
                let labels = try BraTSOverlay.predictLabels(trained, volume: volume, subsets: [subset])[0]
                let figure = try BraTSOverlay.figure(volume, predictions: [(subset, labels)])
                try PNGEncoder.encode(figure).write(to: URL(fileURLWithPath: png))
                let slice = BraTSOverlay.slice(volume, predictions: [labels])
                print("wrote \(png): axial slice \(slice) of \(id), columns \(names.joined(separator: ", ")); rows: "
                      + (volume.labels != nil ? "ground truth, " : "") + "prediction from \(subset.name(names)) (modalities not given dimmed); "
                      + "outlines: green oedema (label 2), red necrosis / non-enhancing core (1), yellow enhancing tumour (4)")
            }
        }
    }
}
