import Foundation

/// How a task may hold its data in host memory while it trains. Not part of the run's
/// configuration: it changes no result, so a resume may choose differently.
public struct DataLoading: Sendable, Equatable {
    /// The most bytes of preprocessed BraTS cases kept in memory between crops (nil: the
    /// default, `defaultCaseCacheBytes`); cases dropped are read again from their files.
    public var caseCacheBytes: Int?

    public init(caseCacheBytes: Int? = nil) {
        self.caseCacheBytes = caseCacheBytes
    }

    /// 4 GiB, or a quarter of the host's memory where that is less: enough for every case
    /// of the phantoms and about 20 BraTS-size ones.
    public static var defaultCaseCacheBytes: Int {
        min(4 << 30, Int(clamping: ProcessInfo.processInfo.physicalMemory / 4))
    }

    /// The case cache's budget in bytes.
    public var caseCacheBudget: Int { caseCacheBytes ?? Self.defaultCaseCacheBytes }
}
