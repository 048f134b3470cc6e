import ArgumentParser
import Foundation
import MCKDData

/// `mckd synth`: writes a synthetic BraTS-layout phantom dataset.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a SYNTHETIC BraTS-like phantom dataset (BraTS 2018 layout, .nii.gz).",
        discussion: """
        --anatomy: the anatomical phantom (the default data of `mckd train`): real anatomy \
        (the ICBM152 2009a tissue maps that scripts/setup fetches) deformed per case, a glioma \
        grown in it by reaction-diffusion (necrosis 1, enhancing rim 4, oedema 2), and the four \
        contrasts simulated from their signal equations with 3 T relaxometry, on BraTS's \
        240x240x155 mm field of view (--spacing 1 is the BraTS grid). See docs/data.md.

        Without --anatomy: the procedural phantom (`mckd train --data synthetic`): a deformed \
        ellipsoid brain with a tumour and an intensity table, --size D,H,W.

        Both are synthetic, not real MRI. Output: DIR/HGG/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz. \
        The same seed gives byte-identical files.

        --drop F leaves out a fraction F of the modality files (seeded; every case keeps at \
        least one): incomplete cases, as clinics have them, for `mckd train`, `eval` and `predict`.
        """
    )

    @Option(name: .long, help: "Output folder (created if needed).")
    var out: String

    @Option(name: .long, help: "Number of cases.")
    var cases: Int = 8

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Procedural phantom: volume size D,H,W (NIfTI z,y,x) (default 64,64,64).")
    var size: String?

    @Option(name: .long, help: "Fraction of the modality files to leave out (0...0.75, seeded by --seed; every case keeps one; default 0).")
    var drop: Double = 0

    @Flag(name: .long, help: "Write the anatomical phantom (scanner simulated on real anatomy) instead of the procedural one.")
    var anatomy = false

    @Option(name: .long, help: "--anatomy: voxel spacing in mm over BraTS's field of view (1: the 240x240x155 BraTS grid; default 3).")
    var spacing: Double?

    @Flag(name: .long, help: "--anatomy: leave out the Rician noise.")
    var noiseFree = false

    @Flag(name: .long, help: "--anatomy: print the contrast-to-noise table measured on the generated cases (docs/data.md).")
    var contrastTable = false

    @Option(name: .long, help: "--anatomy: write three axial slices per contrast of the first case as PNG into this folder.")
    var slices: String?

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        guard (0...ModalityFileDrop.maximumFraction).contains(drop) else {
            throw ValidationError("--drop must be in 0...\(ModalityFileDrop.maximumFraction) (every case keeps one modality), got \(drop)")
        }
        if anatomy {
            guard size == nil else { throw ValidationError("--size is for the procedural phantom; --anatomy takes --spacing") }
        } else if spacing != nil || noiseFree || contrastTable || slices != nil {
            throw ValidationError("--spacing, --noise-free, --contrast-table and --slices need --anatomy")
        }
    }

    func run() throws {
        do {
            if anatomy { try writeAnatomical() } else { try writeProcedural() }
            print("note: this data is synthetic, not real MRI; label results obtained on it as synthetic")
        } catch {
            FileHandle.standardError.write(Data("mckd synth: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func writeProcedural() throws {
        let text = size ?? "64,64,64"
        let shape = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard shape.count == 3 else { throw ValidationError("--size must be three integers D,H,W, got '\(text)'") }
        let generator = try PhantomGenerator(shape: shape, seed: seed)
        let start = Date()
        let ids = try PhantomDatasetWriter.write(to: URL(fileURLWithPath: out), count: cases, generator: generator, omitted: try omitted())
        let seconds = Date().timeIntervalSince(start)
        print("wrote \(ids.count) synthetic phantom cases (\(shape.map(String.init).joined(separator: "x")), seed \(seed)) to \(out)/HGG in \(String(format: "%.2f", seconds)) s")
        try reportDropped()
    }

    /// Per case, the modality files --drop leaves out (nil without --drop).
    func omitted() throws -> [Set<BraTSModality>]? {
        drop > 0 ? try ModalityFileDrop.plan(cases: cases, fraction: drop, seed: seed) : nil
    }

    /// With --drop: how many files were left out and how many cases have each modality.
    func reportDropped() throws {
        guard let plan = try omitted() else { return }
        let counts = BraTSModality.allCases.map { modality in "\(modality.displayName) \(plan.filter { !$0.contains(modality) }.count)" }
        print("left out \(plan.map(\.count).reduce(0, +)) of \(4 * cases) modality files (--drop \(drop)); cases with each modality: "
              + counts.joined(separator: ", "))
    }
}
