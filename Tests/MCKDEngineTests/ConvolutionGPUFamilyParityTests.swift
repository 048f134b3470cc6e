import MCKDEngine
import XCTest

/// The GPU family's convolution kernels (Kernels/conv3d_gpu.cl), forced on gpu0 (PoCL in
/// CI, where they run with real work-groups and barriers), against the CPU reference with
/// ConvolutionParityTests' tolerance: every shape of its tables, each tile forced on a
/// selection, the filter gradient's chunked reduction, determinism, and the errors.
final class ConvolutionGPUFamilyParityTests: XCTestCase {
    /// gpu0 with the GPU family: the shared test backend when MCKD_DEVICE_CLASS=gpu
    /// already gives it (its programs are then built once), else a backend of its own.
    static let backend: Result<OpenCLBackend, Error> = Result {
        if let shared = try? TestDevices.gpu(), shared.deviceClass == .gpu { return shared }
        guard let first = try OpenCLDevice.all().first else { throw EngineError.unknownDevice("no OpenCL device") }
        return try OpenCLBackend(device: first, deviceClass: .gpu)
    }

    /// The backend with the heuristic tiles and chunks (tests that force them reset them;
    /// no benchmark-mode timing runs, which a real GPU would otherwise do).
    func gpu() throws -> OpenCLBackend {
        let backend = try Self.backend.get()
        backend.gpuConvolution.tile = nil
        backend.gpuConvolution.reductionChunks = nil
        backend.gpuConvolution.benchmark = false
        return backend
    }

    override func tearDown() {
        if let backend = try? Self.backend.get() {
            backend.gpuConvolution.tile = nil
            backend.gpuConvolution.reductionChunks = nil
        }
        super.tearDown()
    }

    func testEveryShapeOfTheParityTables() throws {
        let gpu = try gpu()
        XCTAssertEqual(gpu.deviceClass, .gpu)
        for (c, input) in ConvolutionParityTests.convolutions + ConvolutionParityTests.shortRows {
            try checkParity(c, input: input, transposed: false, device: gpu)
        }
        for (c, input) in ConvolutionParityTests.transposed { try checkParity(c, input: input, transposed: true, device: gpu) }
    }

    /// Geometries that between them reach every branch of the three kernels: the stem
    /// (1 input channel, k7, stride (1, 2, 2), padding 3), stride 2 into 3 channels, a
    /// dilated conv, and a transposed k3 s2 with output padding (gather phases that only
    /// some taps reach; the forward and filter kernels on the adjoint geometry).
    static let tileShapes: [(Conv3DDescriptor, Shape, Bool)] = [
        (ConvolutionParityTests.convolutions[0].0, [2, 1, 3, 5, 11], false),
        (ConvolutionParityTests.convolutions[2].0, ConvolutionParityTests.convolutions[2].1, false),
        (ConvolutionParityTests.convolutions[5].0, [2, 5, 3, 5, 17], false),
        (ConvolutionParityTests.transposed[2].0, ConvolutionParityTests.transposed[2].1, true),
    ]

    func testEveryTileForced() throws {
        let gpu = try gpu()
        for tile in GPUConvolutionTile.all {
            gpu.gpuConvolution.tile = tile
            for (c, input, transposed) in Self.tileShapes {
                try checkParity(c, input: input, transposed: transposed, device: gpu)
            }
        }
    }

    /// Tiny shapes through every tile with every pass's reduction in 3 chunks: small enough
    /// for Oclgrind (scripts/check-kernels), which interprets every work-item. Padding on
    /// both sides, batch 2 with stride-2 phases, dilation, and the k2 s2 transpose.
    static let tinyShapes: [(Conv3DDescriptor, Shape, Bool)] = [
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3, padding: 1), [1, 2, 2, 3, 5], false),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 3, stride: 2, padding: 1), [2, 3, 3, 4, 5], false),
        (Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: .init(1, 3, 3), padding: .init(0, 2, 2),
                          dilation: .init(1, 2, 2)), [1, 2, 2, 4, 5], false),
        (Conv3DDescriptor(inputChannels: 3, outputChannels: 2, kernel: 2, stride: 2), [1, 3, 2, 2, 3], true),
    ]

    func checkTinyShapes(_ tile: GPUConvolutionTile, file: StaticString = #filePath, line: UInt = #line) throws {
        let gpu = try gpu()
        gpu.gpuConvolution.reductionChunks = 3
        gpu.gpuConvolution.tile = tile
        for (c, input, transposed) in Self.tinyShapes {
            try checkParity(c, input: input, transposed: transposed, device: gpu, file: file, line: line)
        }
    }

    // One test per tile, so scripts/check-kernels reports each one's time under Oclgrind.
    func testTinyShapesLargeTile() throws { try checkTinyShapes(.large) }
    func testTinyShapesSquareTile() throws { try checkTinyShapes(.square) }
    func testTinyShapesMediumTile() throws { try checkTinyShapes(.medium) }
    func testTinyShapesNarrowTile() throws { try checkTinyShapes(.narrow) }
    func testTinyShapesMinimalTile() throws { try checkTinyShapes(.minimal) }

    /// Every pass's reduction cut into 1 to 12 chunks (forward and backward-data with the
    /// bias in the first chunk's partials, backward-data per stride phase) and summed in
    /// chunk order: within tolerance, and the same bits on every run.
    func testChunkedReductions() throws {
        let gpu = try gpu()
        for chunks in [1, 2, 5, 12] {
            gpu.gpuConvolution.reductionChunks = chunks
            for (c, input, transposed) in Self.tileShapes {
                try checkParity(c, input: input, transposed: transposed, device: gpu)
                let first = try run(c, input: input, transposed: transposed, on: gpu)
                let second = try run(c, input: input, transposed: transposed, on: gpu)
                XCTAssertEqual(first.map { $0.map(\.bitPattern) }, second.map { $0.map(\.bitPattern) }, "\(chunks) chunks, \(c): two runs differ")
            }
        }
    }

    /// The gather's chunks must cover its busiest stride phase: taps worked by hand.
    func testMostTapsOfOneStridePhase() {
        XCTAssertEqual(OpenCLBackend.mostPhaseTaps(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, padding: 1)), 27)
        // k3 s2 p1: phase 0 meets tap 1 only, phase 1 taps 0 and 2: at most 2 per axis.
        XCTAssertEqual(OpenCLBackend.mostPhaseTaps(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 3, stride: 2, padding: 1)), 8)
        XCTAssertEqual(OpenCLBackend.mostPhaseTaps(Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 2, stride: 2)), 1)
        // The stem, k7 s(1,2,2) p3: 7 along D; along H and W phase 1 meets taps 0, 2, 4, 6.
        let stem = Conv3DDescriptor(inputChannels: 1, outputChannels: 1, kernel: 7, stride: .init(1, 2, 2), padding: 3)
        XCTAssertEqual(OpenCLBackend.mostPhaseTaps(stem), 7 * 4 * 4)
    }

    func testReductionChunkSizes() {
        // Forced: chunks of whole tile depths covering the reduction exactly once.
        for (reduction, forced) in [(180, 5), (180, 12), (180, 200), (17, 3), (1_000_003, 7)] {
            let cut = OpenCLBackend.reductionChunks(reduction: reduction, depth: 16, groups: 1, wantedGroups: 1, results: 10,
                                                    minimumSteps: 64, forced: forced)
            XCTAssertEqual(cut.length % 16, 0)
            XCTAssertLessThanOrEqual(cut.count, forced)
            XCTAssertGreaterThanOrEqual(cut.length * cut.count, reduction)
            XCTAssertLessThan(cut.length * (cut.count - 1), reduction, "no empty chunk")
        }
        // Automatic: enough groups for the device, chunks of at least 64 depths, partials bounded.
        let busy = OpenCLBackend.reductionChunks(reduction: 2_048_000, depth: 16, groups: 27, wantedGroups: 1056, results: 110_592,
                                                 minimumSteps: 64, forced: nil)
        XCTAssertEqual(busy.count, 40)
        XCTAssertEqual(OpenCLBackend.reductionChunks(reduction: 500, depth: 16, groups: 1, wantedGroups: 64, results: 10,
                                                     minimumSteps: 64, forced: nil).count, 1)
        let capped = OpenCLBackend.reductionChunks(reduction: 1 << 30, depth: 16, groups: 1, wantedGroups: 1 << 20, results: 1 << 20,
                                                   minimumSteps: 64, forced: nil)
        XCTAssertLessThanOrEqual(capped.count * (1 << 20) * 4, OpenCLBackend.partialSumBytes)
        // Forward and backward-data at the paper model's ASPP (250 positions, 6,912 terms,
        // 16 tiles of 64 x 64 on a 132-unit device): chunks of 16 depths, 27 of them.
        let aspp = OpenCLBackend.reductionChunks(reduction: 6_912, depth: 16, groups: 16, wantedGroups: 1056, results: 64_000,
                                                 minimumSteps: 16, forced: nil)
        XCTAssertEqual(aspp.count, 27)
    }

    func testCandidateTiles() {
        XCTAssertEqual(GPUConvolutionTile.candidates(rows: 1, columns: 1 << 20, wantedGroups: 16).first, .narrow)
        XCTAssertEqual(GPUConvolutionTile.candidates(rows: 17, columns: 1 << 20, wantedGroups: 16).first, .medium)
        XCTAssertEqual(GPUConvolutionTile.candidates(rows: 256, columns: 1 << 20, wantedGroups: 16).first, .large)
        // A small layer on a large device: the tile that still spreads it over the compute units.
        XCTAssertEqual(GPUConvolutionTile.candidates(rows: 256, columns: 512, wantedGroups: 32).first, .square)
        XCTAssertEqual(GPUConvolutionTile.candidates(rows: 64, columns: 64, wantedGroups: 1000).first, .narrow)
        for rows in [1, 3, 64, 1000] {
            XCTAssertEqual(GPUConvolutionTile.candidates(rows: rows, columns: 100, wantedGroups: 8).last, .minimal)
        }
        for tile in GPUConvolutionTile.all {
            XCTAssertNoThrow(try GPUConvolutionTile(rows: tile.rows, columns: tile.columns, rowsPerItem: tile.rowsPerItem,
                                                    columnsPerItem: tile.columnsPerItem, depth: tile.depth), "\(tile)")
            XCTAssertLessThanOrEqual(tile.workGroupSize, 256)
        }
    }

    /// NaN and Inf reach the same outputs as on the reference (the padding, the tile
    /// edges and the zero-filled staging must not turn 0 * Inf into NaN elsewhere).
    func testNaNAndInfinityPropagate() throws {
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3)
        let input: Shape = [1, 2, 3, 4, 20]
        var x = testValues(input.count, seed: 31)
        x[5] = .nan
        x[19] = .infinity
        x[input.count - 1] = -.infinity
        var dy = testValues(try c.outputShape(forInput: input).count, seed: 32)
        dy[7] = .nan
        let reference = try run(c, input: input, transposed: false, on: CPUBackend<Float>(), inputValues: x, gradValues: dy).flatMap { $0 }
        let device = try run(c, input: input, transposed: false, on: try gpu(), inputValues: x, gradValues: dy).flatMap { $0 }
        XCTAssertTrue(reference.contains { $0.isNaN } && reference.contains { $0.isFinite })
        assertWithin(device, reference, terms: 2 * 27 * 36, "NaN/Inf propagation")
    }

    /// Same inputs twice -> the same bits, with the automatic tiles and chunks.
    func testDeterministic() throws {
        let gpu = try gpu()
        gpu.gpuConvolution.reductionChunks = 3
        for (c, input, transposed) in Self.tileShapes {
            let first = try run(c, input: input, transposed: transposed, on: gpu)
            let second = try run(c, input: input, transposed: transposed, on: gpu)
            XCTAssertEqual(first.map { $0.map(\.bitPattern) }, second.map { $0.map(\.bitPattern) }, "\(c)")
        }
    }

    func testTilesThatCannotRunAreClearErrors() throws {
        XCTAssertThrowsError(try GPUConvolutionTile(rows: 48, columns: 64, rowsPerItem: 4, columnsPerItem: 4)) {
            XCTAssertTrue("\($0)".contains("48x64"), "\($0)")
        }
        // Valid staging, but more local memory than the device has.
        let gpu = try gpu()
        let huge = try GPUConvolutionTile(rows: 1024, columns: 256, rowsPerItem: 32, columnsPerItem: 32, depth: 256)
        XCTAssertGreaterThan(huge.localMemoryBytes, gpu.profile.localMemoryBytes)
        gpu.gpuConvolution.tile = huge
        let c = Conv3DDescriptor(inputChannels: 2, outputChannels: 3, kernel: 3)
        let x = try gpu.makeTensor(shape: [1, 2, 4, 4, 4]), w = try gpu.makeTensor(shape: c.weightShape)
        XCTAssertThrowsError(try gpu.conv3dForward(c, input: x, weight: w, bias: nil, into: try gpu.makeTensor(shape: [1, 3, 2, 2, 2]))) {
            XCTAssertTrue("\($0)".contains("local memory") && "\($0)".contains("1024x256"), "\($0)")
        }
    }
}
