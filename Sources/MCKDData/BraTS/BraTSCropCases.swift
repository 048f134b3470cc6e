import Foundation

/// What drawing a crop needs of a case without its voxels: its grid and, per tumour class
/// present (labels 1, 2, 4 in that order; absent ones left out), how many voxels it has.
public struct BraTSCropCaseSummary: Equatable, Sendable {
    public let caseID: String
    /// [D, H, W].
    public let shape: [Int]
    public let foregroundCounts: [Int]
}

/// A labelled case's voxels as crops are cut from them, with the flat indices of each
/// tumour class's voxels (the classes of the summary, in its order).
public struct BraTSCropSource: Sendable {
    public let volume: BraTSVolume
    let foreground: [[Int32]]

    /// Checks that the case can give crops of `cropShape` (labels present, the volume at
    /// least the crop), then indexes its tumour voxels.
    init(volume: BraTSVolume, cropShape: [Int]) throws {
        guard zip(volume.shape, cropShape).allSatisfy({ $0 >= $1 }) else {
            throw BraTSDataError(caseID: volume.caseID, "its volume \(volume.shape.map(String.init).joined(separator: "x")) is smaller than the crop "
                                 + "\(cropShape.map(String.init).joined(separator: ",")) (choose a --crop no larger than the smallest case)")
        }
        guard let labels = volume.labels else {
            throw BraTSDataError(caseID: volume.caseID, "has no labels, so it cannot be used for training crops")
        }
        guard volume.voxelCount < Int(Int32.max) else {
            throw BraTSDataError(caseID: volume.caseID, "volume too large for crop sampling")
        }
        var perClass: [[Int32]] = [[], [], []]
        for (k, label) in labels.enumerated() {
            switch label {
            case 1: perClass[0].append(Int32(k))
            case 2: perClass[1].append(Int32(k))
            case 4: perClass[2].append(Int32(k))
            default: break
            }
        }
        self.volume = volume
        foreground = perClass.filter { !$0.isEmpty }
    }

    public var summary: BraTSCropCaseSummary {
        BraTSCropCaseSummary(caseID: volume.caseID, shape: volume.shape, foregroundCounts: foreground.map(\.count))
    }

    /// Memory held: intensities, labels and tumour indices.
    public var bytes: Int {
        volume.image.count * MemoryLayout<Float>.size + (volume.labels?.count ?? 0) + foreground.reduce(0) { $0 + $1.count } * MemoryLayout<Int32>.size
    }
}

/// The labelled cases a crop sampler draws from: every case's summary stays in memory,
/// its voxels come through a byte-bounded cache (which samplers may share), read again
/// from the case's files once the cache has dropped them. Memory so stays bounded by the
/// cache's budget however many cases the dataset has.
public final class BraTSCropCases {
    public let cropShape: [Int]
    public let summaries: [BraTSCropCaseSummary]
    private enum Storage {
        /// Volumes given in memory, all kept.
        case held([BraTSCropSource])
        /// Cases on disk, loaded through the cache.
        case cached([BraTSCase], LRUByteCache<BraTSCropSource>)
    }
    private let storage: Storage

    /// Volumes already in memory, all kept (small sets, tests).
    public init(volumes: [BraTSVolume], cropShape: [Int]) throws {
        let sources = try volumes.map { try BraTSCropSource(volume: $0, cropShape: cropShape) }
        self.cropShape = cropShape
        summaries = sources.map(\.summary)
        storage = .held(sources)
    }

    /// Reads every case once now (each file checked, so a damaged one stops the run before
    /// training, as when every volume was held) and keeps those the cache's budget allows.
    /// Case ids key the cache: they are unique within a dataset.
    public init(cases: [BraTSCase], cropShape: [Int], cache: LRUByteCache<BraTSCropSource>) throws {
        var summaries: [BraTSCropCaseSummary] = []
        for brainCase in cases {
            let source = try BraTSCropSource(volume: try BraTSCaseLoader.load(brainCase, requireSegmentation: true), cropShape: cropShape)
            summaries.append(source.summary)
            cache.insert(source, bytes: source.bytes, for: brainCase.id)
        }
        self.cropShape = cropShape
        self.summaries = summaries
        storage = .cached(cases, cache)
    }

    public var count: Int { summaries.count }

    /// Case `index`'s voxels: from the cache, or read again from its files (the same bytes
    /// as the first time; a case whose files changed meanwhile is an error naming it).
    func source(_ index: Int) throws -> BraTSCropSource {
        switch storage {
        case let .held(sources):
            return sources[index]
        case let .cached(cases, cache):
            let brainCase = cases[index]
            let source = try cache.value(for: brainCase.id) {
                let source = try BraTSCropSource(volume: try BraTSCaseLoader.load(brainCase, requireSegmentation: true), cropShape: cropShape)
                return (source, source.bytes)
            }
            guard source.summary == summaries[index] else {
                throw BraTSDataError(caseID: brainCase.id, "its files in \(brainCase.directory.path) changed while the run was training (its grid or tumour voxels "
                                     + "differ from when it was first read; restore them, or start the run afresh)")
            }
            return source
        }
    }
}
