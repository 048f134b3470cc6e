import Foundation

/// Which contrast separates which regions, measured on generated cases: for region pair
/// (A, B) and a contrast, CNR = (mean_A - mean_B) / sqrt((sd_A^2 + sd_B^2) / 2) over the
/// voxels each region fills to at least `purity` (so partial volume does not blur the
/// answer), per case, then averaged over the cases that have both regions. The spread
/// includes everything that makes a region's voxels differ: noise, bias field, blur and
/// the tumour's heterogeneity. Signed: positive means A is brighter.
public struct ContrastTable: Sendable {
    public static let pairs: [(PhantomTissue, PhantomTissue)] = [
        (.greyMatter, .whiteMatter), (.csf, .whiteMatter), (.oedema, .whiteMatter), (.oedema, .greyMatter), (.oedema, .csf),
        (.enhancing, .whiteMatter), (.enhancing, .oedema), (.enhancing, .necrosis), (.necrosis, .oedema),
    ]
    /// Regions need this many pure voxels in a case to be compared there.
    public static let minimumVoxels = 5

    public let purity: Float
    /// Sum of per-case CNRs and the number of cases, per pair and channel (FLAIR, T1, T1ce, T2).
    private var sums: [[Double]]
    private var counts: [Int]

    public init(purity: Float = 0.8) {
        self.purity = purity
        sums = [[Double]](repeating: [Double](repeating: 0, count: BraTSModality.allCases.count), count: Self.pairs.count)
        counts = [Int](repeating: 0, count: Self.pairs.count)
    }

    /// Adds one case's contrasts.
    public mutating func add(_ brainCase: AnatomicalCase) {
        let images = brainCase.phantom.modalities
        func statistics(_ tissue: PhantomTissue) -> [(mean: Double, variance: Double)]? {
            let fraction = brainCase.fractions[Int(tissue.rawValue)]
            let voxels = fraction.indices.filter { brainCase.brainMask[$0] && fraction[$0] >= purity }
            guard voxels.count >= Self.minimumVoxels else { return nil }
            return images.map { image in
                let values = voxels.map { Double(image[$0]) }
                let mean = values.reduce(0, +) / Double(values.count)
                return (mean, values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1))
            }
        }
        var cache: [PhantomTissue: [(mean: Double, variance: Double)]?] = [:]
        for (index, (a, b)) in Self.pairs.enumerated() {
            if cache[a] == nil { cache[a] = .some(statistics(a)) }
            if cache[b] == nil { cache[b] = .some(statistics(b)) }
            guard let first = cache[a]!, let second = cache[b]! else { continue }
            for m in sums[index].indices {
                let spread = ((first[m].variance + second[m].variance) / 2).squareRoot()
                sums[index][m] += (first[m].mean - second[m].mean) / max(spread, 1e-12)
            }
            counts[index] += 1
        }
    }

    /// Mean CNR per pair and channel (nil where no case had both regions).
    public var values: [[Double]?] {
        zip(sums, counts).map { sum, count in count > 0 ? sum.map { $0 / Double(count) } : nil }
    }

    public var caseCounts: [Int] { counts }

    /// The table as Markdown, one row per pair, columns FLAIR, T1, T1ce, T2 and the case count.
    public func markdown() -> String {
        func name(_ tissue: PhantomTissue) -> String {
            switch tissue {
            case .whiteMatter: return "WM"
            case .greyMatter: return "GM"
            case .csf: return "CSF"
            case .oedema: return "oedema (2)"
            case .enhancing: return "enhancing (4)"
            case .necrosis: return "necrosis (1)"
            case .background: return "background"
            }
        }
        var lines = ["| regions A - B | FLAIR | T1 | T1ce | T2 | cases |", "|---|---|---|---|---|---|"]
        for (index, (a, b)) in Self.pairs.enumerated() {
            let cells = values[index].map { row in row.map { String(format: "%+.1f", $0) } } ?? ["-", "-", "-", "-"]
            lines.append("| \(name(a)) - \(name(b)) | " + cells.joined(separator: " | ") + " | \(counts[index]) |")
        }
        return lines.joined(separator: "\n")
    }
}
