import ArgumentParser
import Foundation
import MCKDData
import MCKDEngine
import MCKDReport
import MCKDTraining

/// `mckd predict`: BraTS label maps for one case or a folder of cases, each from the
/// modalities it has (or those asked for).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict a label map (0, 1, 2, 4) for one case, or every case of a folder, from the modalities each has.",
        discussion: """
        A case is a folder with <case>_{flair,t1,t1ce,t2}.nii.gz (BraTS 2018-2021) or \
        <case>-{t2f,t1n,t1c,t2w}.nii.gz (BraTS 2023), .nii or .nii.gz, or one 4-D Decathlon \
        Task01 file (FLAIR, T1w, T1gd, T2w). Missing modality files are simply missing: the \
        case needs one, its grid, affine and header come from the files present (which must \
        agree), and the label map lands on that grid. --available defaults to the modalities \
        whose files exist; naming one the case lacks is an error.
        """)

    @Option(name: .customLong("run"), help: "Run folder written by `mckd train`.")
    var runDirectory: String
    @Option(help: "One case: its folder, or a Decathlon 4-D .nii.gz file.")
    var `case`: String?
    @Option(help: "Every case of this folder (any layout `mckd train --data` reads); --out is then a folder.")
    var cases: String?
    @Option(help: "Modalities to use, e.g. flair,t1ce (default: every modality whose file the case has). With --cases, each case uses those of them it has.")
    var available: String?
    @Option(help: "Output label map (.nii or .nii.gz); with --cases a folder, one <case>.nii.gz each.")
    var out: String?
    @Option(help: "With --case: also (or instead) write an overlay PNG: the four modalities on the axial slice through the tumour, ground truth (if the case has a label file) above the prediction.")
    var png: String?
    @Option(help: "Device: cpu or gpuN.")
    var device = "gpu0"

    func validate() throws {
        guard (`case` == nil) != (cases == nil) else { throw ValidationError("give one of --case CASE or --cases FOLDER") }
        if cases != nil {
            guard out != nil, png == nil else { throw ValidationError("--cases FOLDER writes label maps into --out FOLDER (no --png)") }
        } else {
            guard out != nil || png != nil else { throw ValidationError("give --out FILE.nii.gz, --png FILE.png or both") }
        }
    }

    func run() throws {
        setlinebuf(stdout)
        try reportingErrors {
            let requested = try available.map(BraTSAvailability.parse)
            let backend = try makeBackend(device: device)
            let trained = try TrainedRun<BraTSTask>(directory: URL(fileURLWithPath: runDirectory), backend: backend)
            if let cases {
                try predictFolder(URL(fileURLWithPath: cases), requested: requested, trained: trained)
            } else if let path = `case` {
                try predictCase(URL(fileURLWithPath: path), requested: requested, trained: trained)
            }
        }
    }

    /// One case: the label map, the overlay PNG or both.
    func predictCase(_ url: URL, requested: [BraTSModality]?, trained: TrainedRun<BraTSTask>) throws {
        let found = try BraTSCaseFiles.describe(caseAt: url)
        // The ground truth, when the case has one, goes above the prediction in the PNG.
        let volume = try BraTSCaseLoader.load(png != nil ? found : found.withoutSegmentation())
        let subset = try BraTSAvailability.subset(for: volume, requested: requested)
        let names = TaskKind.brats.modalityNames
        if let out {
            try trained.predict(volume, available: subset, to: URL(fileURLWithPath: out))
            print("wrote \(out): labels for \(volume.caseID) from \(used(subset, volume)) (step \(trained.step) of \(runDirectory))")
        }
        if let png {
            let labels = try BraTSOverlay.predictLabels(trained, volume: volume, subsets: [subset])[0]
            let figure = try BraTSOverlay.figure(volume, predictions: [(subset, labels)])
            try PNGEncoder.encode(figure).write(to: URL(fileURLWithPath: png))
            let slice = BraTSOverlay.slice(volume, predictions: [labels])
            print("wrote \(png): axial slice \(slice) of \(volume.caseID), columns \(names.joined(separator: ", ")); rows: "
                  + (volume.labels != nil ? "ground truth, " : "") + "prediction from \(subset.name(names)) (modalities not given dimmed); "
                  + "outlines: green oedema (label 2), red necrosis / non-enhancing core (1), yellow enhancing tumour (4)")
        }
    }

    /// Every case of a folder, each from what it has, into --out/<case>.nii.gz.
    func predictFolder(_ root: URL, requested: [BraTSModality]?, trained: TrainedRun<BraTSTask>) throws {
        let dataset = try BraTSDataset(scanning: root)
        let folder = URL(fileURLWithPath: out!)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let progress = ProgressLine()
        var subsets: [String: Int] = [:]
        for (index, brainCase) in dataset.cases.enumerated() {
            let volume = try BraTSCaseLoader.load(brainCase.withoutSegmentation())
            let subset = try BraTSAvailability.subset(for: volume, requested: requested.map { asked in
                let kept = asked.filter(volume.availableModalities.contains)
                guard !kept.isEmpty else {
                    throw BraTSDataError(caseID: volume.caseID, "has none of --available \(asked.map(\.displayName).joined(separator: ",")) (it has \(volume.availableModalities.map(\.displayName).joined(separator: ", ")))")
                }
                return kept
            })
            let name = subset.name(TaskKind.brats.modalityNames)
            progress.show("predicting case \(index + 1)/\(dataset.cases.count): \(volume.caseID) from \(name)")
            try trained.predict(volume, available: subset, to: folder.appendingPathComponent("\(volume.caseID).nii.gz"))
            subsets[name, default: 0] += 1
        }
        let summary = subsets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        progress.finish("wrote \(dataset.cases.count) label maps to \(folder.path) (step \(trained.step) of \(runDirectory)); cases per modality set: \(summary)")
    }

    /// "FLAIR+T1 (the files present; missing: T1ce, T2)".
    func used(_ subset: ModalitySet, _ volume: BraTSVolume) -> String {
        let names = TaskKind.brats.modalityNames
        let absent = BraTSModality.allCases.filter { !volume.availableModalities.contains($0) }.map(\.displayName)
        let source = available == nil ? "the files present" : "--available"
        return "\(subset.name(names)) (\(source)" + (absent.isEmpty ? ")" : "; no file for \(absent.joined(separator: ", ")))")
    }
}
