import Foundation

/// The GPU convolution tiles measured on one device (benchmark mode, like cuDNN's):
/// for each (kernel, geometry, problem size) the fastest candidate tile, kept on disk so
/// later runs take the same tile without measuring. Every tile gives the same bits
/// (each output sums its terms in ascending order whatever the tile, and the filter
/// gradient's chunks follow the shape, not the tile), so the choice changes only speed.
public struct GPUConvolutionTileCache: Codable, Equatable, Sendable {
    /// The measurements hold for this device, driver and kernel source only.
    public var deviceName: String
    public var driverVersion: String
    public var sourceHash: String
    /// Choice key ("kernel defines rows x columns x reduction") -> tile name (`GPUConvolutionTile.name`).
    public var tiles: [String: String]

    public init(deviceName: String, driverVersion: String, sourceHash: String, tiles: [String: String] = [:]) {
        self.deviceName = deviceName
        self.driverVersion = driverVersion
        self.sourceHash = sourceHash
        self.tiles = tiles
    }

    /// An empty cache for `device` and the embedded conv3d_gpu.cl.
    init(for device: OpenCLDevice) {
        self.init(deviceName: device.name, driverVersion: device.driverVersion,
                  sourceHash: Self.hash(EmbeddedKernels.sources["conv3d_gpu"] ?? ""))
    }

    /// 64-bit FNV-1a in hex: stable across processes (Swift's hashValue is seeded per run).
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(value, radix: 16)
    }

    /// `directory`/conv-tiles/<device>-<driver>.json.
    public static func fileURL(in directory: URL, for device: OpenCLDevice) -> URL {
        let safeName = String((device.name + "-" + device.driverVersion).map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return directory.appendingPathComponent("conv-tiles").appendingPathComponent(safeName + ".json")
    }

    /// `$MCKD_CACHE`, else ~/.cache/mckd.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        environment["MCKD_CACHE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/mckd")
    }

    /// The cache at `url` if it holds measurements for `expected`'s device, driver and
    /// source; nil if there is none. A file that cannot be decoded is reported through
    /// `warn` and ignored: it only costs a new measurement, and the next write replaces it.
    static func load(from url: URL, matching expected: GPUConvolutionTileCache,
                     warn: (String) -> Void = { FileHandle.standardError.write(Data(("mckd: " + $0 + "\n").utf8)) }) -> GPUConvolutionTileCache? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let cache = try? JSONDecoder().decode(GPUConvolutionTileCache.self, from: data) else {
            warn("ignoring the unreadable GPU convolution tile cache \(url.path); the tiles will be measured again")
            return nil
        }
        let sameSetting = cache.deviceName == expected.deviceName && cache.driverVersion == expected.driverVersion
            && cache.sourceHash == expected.sourceHash
        return sameSetting ? cache : nil
    }

    /// Writes the file atomically (temporary file + rename).
    func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
