import Foundation
import MCKDData
import MCKDReport

/// `mckd synth --anatomy`: the anatomical phantom, its contrast table and slice figures.
extension SynthCommand {
    func writeAnatomical() throws {
        let loading = Date()
        let template = try TissueTemplate.load()
        let generator = try AnatomicalPhantomGenerator(template: template, spacing: spacing ?? AnatomicalPhantomGenerator.defaultSpacing,
                                                       seed: seed, noise: !noiseFree)
        let grid = generator.grid
        print("template loaded in \(String(format: "%.1f", Date().timeIntervalSince(loading))) s; grid \(grid.shape.reversed().map(String.init).joined(separator: "x")) (x,y,z) at \(grid.spacing) mm")
        var table = ContrastTable()
        var first: AnatomicalCase?
        var generating = 0.0
        let ids = try PhantomDatasetWriter.write(to: URL(fileURLWithPath: out), count: cases, omitted: try omitted()) { index in
            let start = Date()
            let brainCase = generator.makeCase(index: index)
            generating += Date().timeIntervalSince(start)
            if contrastTable { table.add(brainCase) }
            if index == 0 { first = brainCase }
            let tumour = brainCase.tumour, labels = brainCase.phantom.labels
            let volume = { (label: UInt8) in Double(labels.filter { $0 == label }.count) * pow(grid.spacing, 3) / 1000 }
            print("\(brainCase.phantom.id): tumour grown \(Int(brainCase.growthDays)) days (\(brainCase.growthSteps) steps, D_w \(String(format: "%.2f", tumour.whiteMatterDiffusion)) mm^2/day, rho \(String(format: "%.3f", tumour.proliferation))/day); "
                  + "oedema \(String(format: "%.1f", volume(2))), enhancing \(String(format: "%.1f", volume(4))), necrosis \(String(format: "%.1f", volume(1))) cm^3; "
                  + "\(String(format: "%.2f", Date().timeIntervalSince(start))) s")
            return brainCase.phantom
        }
        print("wrote \(ids.count) anatomical phantom cases (seed \(seed)) to \(out)/HGG: "
              + "\(String(format: "%.2f", generating / Double(ids.count))) s per case to generate")
        try reportDropped()
        if contrastTable {
            print("\ncontrast-to-noise (mean - mean over pooled SD, regions filled >= \(Int(table.purity * 100))%), mean over cases:")
            print(table.markdown())
        }
        if let slices, let first { try writeSlices(of: first, to: URL(fileURLWithPath: slices)) }
    }

    /// Three axial slices per contrast (through the tumour's largest section and 12 mm
    /// below and above it), one PNG per contrast, plus the labels outlined on T1ce.
    func writeSlices(of brainCase: AnatomicalCase, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let phantom = brainCase.phantom
        let volume = try BraTSVolume(caseID: phantom.id, shape: phantom.shape, image: Array(phantom.modalities.joined()),
                                     labels: phantom.labels, referenceHeader: NIfTIHeader())
        let centre = SliceOverlay.largestTumourSlice(labels: phantom.labels, shape: phantom.shape)
        let step = max(1, Int((12 / brainCase.grid.spacing).rounded()))
        let slices = [centre - step, centre, centre + step].map { min(max($0, 0), phantom.shape[0] - 1) }
        let scale = SliceOverlay.scale(for: phantom.shape)
        for modality in BraTSModality.allCases {
            let panels = try slices.map { try SliceOverlay.panel(volume, modality: modality.rawValue, slice: $0, labels: nil, scale: scale) }
            let file = folder.appendingPathComponent("anatomical-\(modality.fileSuffix).png")
            try PNGEncoder.encode(try SliceOverlay.grid([panels])).write(to: file)
            print("wrote \(file.path)")
        }
        let outlined = try slices.map { try SliceOverlay.panel(volume, modality: BraTSModality.t1ce.rawValue, slice: $0, labels: phantom.labels, scale: scale) }
        let file = folder.appendingPathComponent("anatomical-labels.png")
        try PNGEncoder.encode(try SliceOverlay.grid([outlined])).write(to: file)
        print("wrote \(file.path) (labels on T1ce: oedema green, necrosis red, enhancing yellow)")
    }
}
