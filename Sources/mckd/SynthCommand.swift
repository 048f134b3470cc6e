import ArgumentParser
import Foundation
import MCKDData

/// `mckd synth`: writes a synthetic BraTS-layout phantom dataset.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a SYNTHETIC BraTS-like phantom dataset (BraTS 2018 layout, .nii.gz).",
        discussion: """
        The phantom is synthetic, not real MRI: a deformed brain (white matter, grey matter, \
        CSF ventricles) with a tumour (necrosis 1, enhancing rim 4, oedema 2), per-modality \
        intensities chosen so enhancing tumour shows in T1ce and oedema in FLAIR/T2, plus \
        noise, bias field and blur. Output: DIR/HGG/<case>/<case>_{flair,t1,t1ce,t2,seg}.nii.gz. \
        The same seed gives byte-identical files.
        """
    )

    @Option(name: .long, help: "Output folder (created if needed).")
    var out: String

    @Option(name: .long, help: "Number of cases.")
    var cases: Int = 8

    @Option(name: .long, help: "Volume size D,H,W (NIfTI z,y,x), e.g. 64,64,64.")
    var size: String = "64,64,64"

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    func run() throws {
        let shape = size.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard shape.count == 3 else { throw ValidationError("--size must be three integers D,H,W, got '\(size)'") }
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
        do {
            let generator = try PhantomGenerator(shape: shape, seed: seed)
            let start = Date()
            let ids = try PhantomDatasetWriter.write(to: URL(fileURLWithPath: out), count: cases, generator: generator)
            let seconds = Date().timeIntervalSince(start)
            print("wrote \(ids.count) synthetic phantom cases (\(shape.map(String.init).joined(separator: "x")), seed \(seed)) to \(out)/HGG in \(String(format: "%.2f", seconds)) s")
            print("note: this data is synthetic, not real MRI; label results obtained on it as synthetic")
        } catch {
            FileHandle.standardError.write(Data("mckd synth: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
