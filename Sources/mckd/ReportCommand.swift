import ArgumentParser
import Foundation
import MCKDEngine
import MCKDReport
import MCKDTraining

/// `mckd report`: RUN_DIR/report.html, one self-contained page for a run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write RUN_DIR/report.html: curves, importance weights, the Dice table and slice overlays (or AV-MNIST results).",
        discussion: "One self-contained HTML file (inline SVG, PNG as data URIs, no scripts, no network). Parts a stopped run lacks are named in their section. See docs/reports.md.")

    @Argument(help: "Run folder written by `mckd train`.")
    var runDirectory: String
    @Option(help: "Another run folder to compare with (per-cell Dice difference).")
    var baseline: String?
    @Option(help: "Output file (default: RUN_DIR/report.html).")
    var out: String?
    @Option(help: "Device for the slice-overlay predictions: cpu or gpuN.")
    var device = "gpu0"
    @Option(help: "Test cases shown with slice overlays (BraTS).")
    var cases = 3

    func run() throws {
        try reportingErrors {
            let url = try writeReport(run: URL(fileURLWithPath: runDirectory), baseline: baseline.map { URL(fileURLWithPath: $0) },
                                      out: out.map { URL(fileURLWithPath: $0) }, device: device, cases: cases)
            print(url.path)
        }
    }
}

/// Writes a run's report; the backend is made only when a BraTS run has a checkpoint to
/// predict with (a device problem then leaves the overlays out instead of failing).
func writeReport(run: URL, baseline: URL?, out: URL?, device: String, backend: (any Backend)? = nil, cases: Int = 3) throws -> URL {
    var chosen = backend
    let folder = try RunFolder(directory: run)
    try RunID.requireSameRun(in: run)   // a report of one run's metrics and another's checkpoint would mislead
    if chosen == nil, folder.task == .brats, folder.hasCheckpoint {
        do { chosen = try makeBackend(device: device) } catch {
            FileHandle.standardError.write("mckd: report: no device for the overlays (\(error))\n".data(using: .utf8)!)
        }
    }
    var report = RunReport(run: run, baseline: baseline, backend: chosen)
    report.overlayCases = max(0, cases)
    return try report.write(to: out) { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
}
