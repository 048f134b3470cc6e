import Foundation
import MCKDEngine

/// `mckd report`: a run folder rendered as one self-contained HTML page.
public struct RunReport {
    public var run: URL
    public var baseline: URL?
    /// Runs the model for the BraTS overlays; nil skips them (the section says so).
    public var backend: (any Backend)?
    /// How many test cases get slice overlays.
    public var overlayCases = 3
    /// How many AV-MNIST test pairs are shown.
    public var pairCount = 12
    /// The AV-MNIST cache file (default: `AVMNISTCache.defaultFile()`).
    public var avmnistCache: String?

    public init(run: URL, baseline: URL? = nil, backend: (any Backend)?) {
        self.run = run
        self.baseline = baseline
        self.backend = backend
    }

    /// The sections, in page order.
    public func sections(say: (String) -> Void = { _ in }) throws -> (folder: RunFolder, sections: [ReportSection]) {
        let folder = try RunFolder(directory: run)
        let base = try baseline.map { try RunFolder(directory: $0) }
        var sections = [ConfigurationSection.make(folder), CurvesSection.make(folder), WeightsSection.make(folder)]
        switch folder.task {
        case .brats:
            sections.append(DiceSection.make(folder, baseline: base))
            sections.append(OverlaySection.make(folder, backend: backend, cases: overlayCases, say: say))
        case .avmnist:
            sections.append(AVMNISTSections.accuracy(folder, baseline: base))
            sections.append(AVMNISTSections.confusion(folder))
            sections.append(AVMNISTSections.pairs(folder, cachePath: avmnistCache, limit: pairCount))
        }
        return (folder, sections)
    }

    /// The page's HTML.
    public func html(say: (String) -> Void = { _ in }) throws -> String {
        let (folder, sections) = try sections(say: say)
        let task = folder.task == .avmnist ? "AV-MNIST" : "BraTS"
        var subtitle = "\(task) run \(folder.directory.path)"
        if let last = folder.lastStep { subtitle += ", \(last) steps logged" }
        if let baseline { subtitle += ", compared with \(baseline.lastPathComponent)" }
        let missing = sections.filter { !$0.missing.isEmpty }.count
        if missing > 0 { subtitle += " — \(missing) section(s) incomplete, see the notes" }
        return HTMLDocument(title: "mckd report: \(folder.name)", subtitle: subtitle, sections: sections).render()
    }

    /// Writes the page to `output` (default RUN_DIR/report.html) and returns its URL.
    @discardableResult
    public func write(to output: URL? = nil, say: (String) -> Void = { _ in }) throws -> URL {
        let url = output ?? run.appendingPathComponent("report.html")
        try html(say: say).write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
