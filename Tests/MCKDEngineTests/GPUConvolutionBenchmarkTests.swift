import Foundation
import MCKDEngine
import XCTest

/// Benchmark mode of the GPU convolution family (like cuDNN's): candidate tiles timed
/// once per (pass, geometry, size), the winner kept on disk and taken without measuring
/// afterwards. Runs on gpu0 (PoCL here) with the GPU family forced.
final class GPUConvolutionBenchmarkTests: XCTestCase {
    private var directory: URL!
    private let c = Conv3DDescriptor(inputChannels: 3, outputChannels: 20, kernel: 3, stride: 2, padding: 1)
    private let input: Shape = [2, 3, 4, 5, 6]

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mckd-tiles-\(UUID().uuidString)")
        let gpu = try backend()
        gpu.gpuConvolution.benchmark = true
        gpu.gpuConvolution.cacheDirectory = directory
        gpu.gpuConvolution.forgetChoices()
    }

    override func tearDownWithError() throws {
        let gpu = try backend()
        gpu.gpuConvolution.benchmark = nil
        gpu.gpuConvolution.cacheDirectory = GPUConvolutionTileCache.defaultDirectory()
        gpu.gpuConvolution.forgetChoices()
        try? FileManager.default.removeItem(at: directory)
    }

    private func backend() throws -> OpenCLBackend { try ConvolutionGPUFamilyParityTests.backend.get() }

    private var cacheURL: URL { get throws { GPUConvolutionTileCache.fileURL(in: directory, for: try backend().device) } }

    /// Kernel launches of one forward pass.
    private func forwardLaunches(values: [Float]? = nil) throws -> (launches: Int, output: [Float]) {
        let gpu = try backend()
        let x = try gpu.upload(values ?? testValues(input.count, seed: 61), shape: input)
        let w = try gpu.upload(testValues(c.weightShape.count, seed: 62), shape: c.weightShape)
        let y = try gpu.makeTensor(shape: try c.outputShape(forInput: input))
        let before = gpu.counters.kernelLaunches
        try gpu.conv3dForward(c, input: x, weight: w, bias: nil, into: y)
        return (gpu.counters.kernelLaunches - before, try gpu.download(y))
    }

    func testMeasuresOnceThenTakesTheCachedTile() throws {
        let measured = try forwardLaunches()
        XCTAssertGreaterThan(measured.launches, 4, "several candidates, each timed")
        let cache = try JSONDecoder().decode(GPUConvolutionTileCache.self, from: Data(contentsOf: try cacheURL))
        XCTAssertEqual(cache.deviceName, try backend().device.name)
        XCTAssertEqual(cache.tiles.count, 1)
        let (key, name) = try XCTUnwrap(cache.tiles.first)
        XCTAssertTrue(key.hasPrefix("conv3d_gpu_forward KD=3"), key)
        XCTAssertEqual(try backend().gpuConvolution.chosen[key]?.name, name)

        // A new process (choices forgotten) reads the file instead of measuring.
        try backend().gpuConvolution.forgetChoices()
        let cached = try forwardLaunches()
        XCTAssertEqual(cached.launches, 1)
        XCTAssertEqual(cached.output.map(\.bitPattern), measured.output.map(\.bitPattern))
        XCTAssertEqual(try backend().gpuConvolution.chosen[key]?.name, name)
    }

    /// A file that is not a cache costs a new measurement (and a warning), never an error.
    func testUnreadableCacheIsMeasuredAgainAndReplaced() throws {
        try FileManager.default.createDirectory(at: try cacheURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: try cacheURL)
        XCTAssertGreaterThan(try forwardLaunches().launches, 4)
        XCTAssertEqual(try JSONDecoder().decode(GPUConvolutionTileCache.self, from: Data(contentsOf: try cacheURL)).tiles.count, 1)
    }

    /// Measurements from another driver (or kernel source) are not used.
    func testCacheOfAnotherDriverIsIgnored() throws {
        let gpu = try backend()
        _ = try forwardLaunches()
        var cache = try JSONDecoder().decode(GPUConvolutionTileCache.self, from: Data(contentsOf: try cacheURL))
        cache.driverVersion += "-older"
        try JSONEncoder().encode(cache).write(to: try cacheURL)
        gpu.gpuConvolution.forgetChoices()
        XCTAssertGreaterThan(try forwardLaunches().launches, 4)
    }

    func testTileNamesRoundTrip() {
        for tile in GPUConvolutionTile.all { XCTAssertEqual(GPUConvolutionTile(name: tile.name), tile) }
        XCTAssertNil(GPUConvolutionTile(name: "64x64/4x4"))
        XCTAssertNil(GPUConvolutionTile(name: "48x64/4x4/16"), "not a tile the kernels can stage")
    }

    /// Every tile sums each output's terms in the same (ascending) order, and the filter
    /// gradient's chunks follow the shape, not the tile: every tile gives the same bits,
    /// so the measured choice changes only the speed. The second shape's filter gradient
    /// (3 x 16 x 12 x 12 = 6912 terms) is split into chunks on any device.
    func testEveryTileGivesTheSameBits() throws {
        let gpu = try backend()
        gpu.gpuConvolution.benchmark = false
        defer { gpu.gpuConvolution.tile = nil }
        let long = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1)
        for (descriptor, shape) in [(c, input), (long, [3, 2, 16, 12, 12] as Shape)] {
            var results: [[[UInt32]]] = []
            for tile in GPUConvolutionTile.all {
                gpu.gpuConvolution.tile = tile
                results.append(try run(descriptor, input: shape, transposed: false, on: gpu).map { $0.map(\.bitPattern) })
            }
            for (tile, result) in zip(GPUConvolutionTile.all, results).dropFirst() {
                XCTAssertEqual(result, results[0], "\(descriptor): \(tile) against \(GPUConvolutionTile.all[0])")
            }
        }
    }
}
