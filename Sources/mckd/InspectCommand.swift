import ArgumentParser
import Foundation
import MCKDData

/// `mckd inspect FILE`: header and value summary of a NIfTI file, like fslinfo / nib-ls.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the header and value range of a NIfTI-1/-2 file (.nii or .nii.gz)."
    )

    @Argument(help: "NIfTI file to inspect (.nii or .nii.gz).")
    var file: String

    func run() throws {
        let image: NIfTIImage
        do {
            image = try NIfTIImage.read(from: URL(fileURLWithPath: file))
        } catch {
            // A bad file is the user's input, not a bug: one line, non-zero exit.
            FileHandle.standardError.write(Data("mckd inspect: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print(Self.report(for: image, path: file))
    }

    static func report(for image: NIfTIImage, path: String) -> String {
        let h = image.header
        func number(_ value: Double) -> String { String(format: "%.6g", value) }
        var lines: [String] = []
        lines.append("file          \(path)")
        lines.append("format        NIfTI-\(h.version.rawValue)")
        lines.append("dims          \(h.shape.map(String.init).joined(separator: " x "))  (\(h.voxelCount) voxels)")
        lines.append("voxel sizes   \(h.pixdim[1...h.shape.count].map(number).joined(separator: " x "))")
        lines.append("datatype      \(h.datatype.name) (code \(h.datatype.rawValue), \(h.datatype.bitsPerVoxel) bits)")
        lines.append("scaling       " + (h.hasScaling ? "slope \(number(h.sclSlope)), intercept \(number(h.sclInter))" : "none"))
        lines.append("vox_offset    \(h.voxOffset)")
        lines.append("qform_code    \(h.qformCode)    sform_code \(h.sformCode)    qfac \(number(h.pixdim[0]))")
        lines.append("affine        (from \(h.affineSource))")
        for row in h.affine {
            lines.append("              " + row.map { String(format: "%10.4f", $0) }.joined(separator: " "))
        }
        if !h.descrip.isEmpty { lines.append("descrip       \(h.descrip)") }
        let summary = NIfTIValueSummary(image.voxels)
        if let minimum = summary.minimum, let maximum = summary.maximum, let mean = summary.mean {
            lines.append("min / max     \(number(Double(minimum))) / \(number(Double(maximum)))")
            lines.append("mean          \(number(mean))")
        }
        if summary.nonFiniteCount > 0 { lines.append("non-finite    \(summary.nonFiniteCount) voxels") }
        return lines.joined(separator: "\n")
    }
}
