import MCKDEngine
import XCTest

/// Batch, instance and group norm: finite-difference gradients on the Double reference,
/// OpenCL parity, constant inputs, NaN and determinism.
final class NormalizationTests: XCTestCase {
    /// All outputs of one forward and backward pass, in a fixed order, with their names.
    static let outputNames = ["y", "saved mean", "saved invstd", "running mean", "running variance",
                              "gradInput", "gradGamma", "gradBeta"]

    /// Runs forward then backward (gradOutput = r) on `backend` and downloads everything.
    static func run(_ backend: any Backend, _ descriptor: NormalizationDescriptor, shape: Shape,
                    x: [Float], r: [Float]) throws -> [[Float]] {
        let channels = shape[1]
        let statistics = try descriptor.statisticCount(for: shape)
        let xt = try backend.upload(x, shape: shape), rt = try backend.upload(r, shape: shape)
        let gamma = try backend.upload((0..<channels).map { 1 + 0.1 * Float($0 % 7) }, shape: [channels])
        let beta = try backend.upload((0..<channels).map { 0.05 * Float($0 % 5) - 0.1 }, shape: [channels])
        let runningMean = try backend.upload((0..<channels).map { 0.01 * Float($0) }, shape: [channels])
        let runningVariance = try backend.upload((0..<channels).map { 1 + 0.02 * Float($0) }, shape: [channels])
        let y = try backend.full(shape, value: -7), gradInput = try backend.full(shape, value: -7)
        let mean = try backend.full([statistics], value: -7), invStd = try backend.full([statistics], value: -7)
        let gradGamma = try backend.full([channels], value: -7), gradBeta = try backend.full([channels], value: -7)
        try backend.normalizationForward(descriptor, x: xt, gamma: gamma, beta: beta, runningMean: runningMean,
                                         runningVariance: runningVariance, into: y, savedMean: mean, savedInvStd: invStd)
        try backend.normalizationBackward(descriptor, x: xt, gradOutput: rt, gamma: gamma, savedMean: mean, savedInvStd: invStd,
                                          gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
        return try [y, mean, invStd, runningMean, runningVariance, gradInput, gradGamma, gradBeta].map { try backend.download($0) }
    }

    static let descriptors: [(NormalizationDescriptor, String)] = [
        (NormalizationDescriptor(.batch), "batch"),
        (NormalizationDescriptor(.batch, training: false), "batch eval"),
        (NormalizationDescriptor(.instance), "instance"),
    ]

    func testGradientsMatchFiniteDifferences() throws {
        let cpu = CPUBackend<Double>()
        let shape: Shape = [2, 4, 2, 3, 2]
        let cases = Self.descriptors.map { $0.0 } + [NormalizationDescriptor(.group(groups: 2))]
        for descriptor in cases {
            let x = testValues(shape.count, seed: 5).map(Double.init)
            let r = testValues(shape.count, seed: 6).map(Double.init)
            let gammaValues: [Double] = [1.0, 0.7, -1.3, 2.0], betaValues: [Double] = [0.1, -0.2, 0.3, 0.0]
            let statistics = try descriptor.statisticCount(for: shape)
            func loss(_ xv: [Double], _ gv: [Double], _ bv: [Double]) throws -> Double {
                let y = try cpu.makeTensor(shape: shape)
                let mean = try cpu.makeTensor(shape: [statistics]), inv = try cpu.makeTensor(shape: [statistics])
                try cpu.normalizationForward(descriptor, x: try cpu.uploadScalars(xv, shape: shape),
                                             gamma: try cpu.uploadScalars(gv, shape: [4]), beta: try cpu.uploadScalars(bv, shape: [4]),
                                             runningMean: try cpu.uploadScalars([0.1, 0, -0.1, 0.2], shape: [4]),
                                             runningVariance: try cpu.uploadScalars([1, 0.5, 2, 1.5], shape: [4]),
                                             into: y, savedMean: mean, savedInvStd: inv)
                return zip(try cpu.values(y), r).map { $0 * $1 }.reduce(0, +)
            }
            let xt = try cpu.uploadScalars(x, shape: shape), gamma = try cpu.uploadScalars(gammaValues, shape: [4])
            let y = try cpu.makeTensor(shape: shape)
            let mean = try cpu.makeTensor(shape: [statistics]), inv = try cpu.makeTensor(shape: [statistics])
            try cpu.normalizationForward(descriptor, x: xt, gamma: gamma, beta: try cpu.uploadScalars(betaValues, shape: [4]),
                                         runningMean: try cpu.uploadScalars([0.1, 0, -0.1, 0.2], shape: [4]),
                                         runningVariance: try cpu.uploadScalars([1, 0.5, 2, 1.5], shape: [4]),
                                         into: y, savedMean: mean, savedInvStd: inv)
            let gradInput = try cpu.makeTensor(shape: shape), gradGamma = try cpu.makeTensor(shape: [4]), gradBeta = try cpu.makeTensor(shape: [4])
            try cpu.normalizationBackward(descriptor, x: xt, gradOutput: try cpu.uploadScalars(r, shape: shape), gamma: gamma,
                                          savedMean: mean, savedInvStd: inv, gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
            let label = "\(descriptor.kind) training \(descriptor.training)"
            assertGradientsMatch(try cpu.values(gradInput), try numericalGradient(at: x) { try loss($0, gammaValues, betaValues) }, "\(label) input")
            assertGradientsMatch(try cpu.values(gradGamma), try numericalGradient(at: gammaValues) { try loss(x, $0, betaValues) }, "\(label) gamma")
            assertGradientsMatch(try cpu.values(gradBeta), try numericalGradient(at: betaValues) { try loss(x, gammaValues, $0) }, "\(label) beta")
        }
    }

    /// Float32 reductions over up to 64 partials per row, then partials and rows in order: the
    /// relative error of a statistic stays near sqrt(count) * 6e-8 for these random inputs
    /// (a few 1e-6), which normalised outputs of size ~2 inherit. The parameter gradients are
    /// sums of N * S terms of size ~1, so their absolute error grows with that count.
    func testParityWithReference() throws {
        let gpu = try TestDevices.gpu()
        let cases: [(Shape, [NormalizationDescriptor])] = [
            ([2, 3, 5, 7, 9], Self.descriptors.map { $0.0 } + [NormalizationDescriptor(.group(groups: 3)), NormalizationDescriptor(.group(groups: 1))]),
            ([3, 17, 3, 4, 5], Self.descriptors.map { $0.0 } + [NormalizationDescriptor(.group(groups: 17))]),
            ([2, 64, 2, 3, 3], Self.descriptors.map { $0.0 } + [NormalizationDescriptor(.group(groups: 8))]),
            ([2, 1, 5, 7, 9], Self.descriptors.map { $0.0 }),
            // AV-MNIST audio encoder: batch norm after a 2D (depth 1) convolution.
            ([4, 32, 1, 19, 19], [NormalizationDescriptor(.batch), NormalizationDescriptor(.batch, training: false)]),
            // 8000 voxels per row: 125 per partial in the first pass (GPU family), 3 spans (CPU family).
            ([2, 2, 20, 20, 20], [NormalizationDescriptor(.instance), NormalizationDescriptor(.batch)]),
            // 131072 voxels per row: 64 spans in the CPU family too.
            ([1, 2, 32, 64, 64], [NormalizationDescriptor(.instance), NormalizationDescriptor(.batch)]),
        ]
        for (shape, descriptors) in cases {
            for descriptor in descriptors {
                let x = testValues(shape.count, seed: 11).map { 3 * $0 + 0.5 }
                let r = testValues(shape.count, seed: 12)
                let reference = try Self.run(CPUBackend<Float>(), descriptor, shape: shape, x: x, r: r)
                let device = try Self.run(gpu, descriptor, shape: shape, x: x, r: r)
                let perChannel = Float(shape.count / shape[1])
                for (k, name) in Self.outputNames.enumerated() {
                    let absolute: Float = name.hasPrefix("gradGamma") || name.hasPrefix("gradBeta") ? 4e-7 * perChannel : 4e-5
                    assertClose(device[k], reference[k], relative: 2e-5, absolute: absolute, "\(descriptor.kind) train \(descriptor.training) \(shape) \(name)")
                }
            }
        }
    }

    /// Data far from zero against its spread (300 + [-1, 1)): the one-pass statistics
    /// must not form E[x^2] - E[x]^2, which loses about 3 of float's 7 digits of the
    /// variance here (1e5 against 0.33); Welford's update and its pairwise merge keep it.
    func testStatisticsOfDataFarFromZero() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [2, 3, 10, 11, 37]
        let x = testValues(shape.count, seed: 13).map { 300 + $0 }, r = testValues(shape.count, seed: 14)
        for descriptor in [NormalizationDescriptor(.instance), NormalizationDescriptor(.batch)] {
            let reference = try Self.run(CPUBackend<Float>(), descriptor, shape: shape, x: x, r: r)
            let device = try Self.run(gpu, descriptor, shape: shape, x: x, r: r)
            assertClose(device[1], reference[1], relative: 1e-6, absolute: 0, "\(descriptor.kind) mean")
            assertClose(device[2], reference[2], relative: 1e-4, absolute: 0, "\(descriptor.kind) invstd")
        }
    }

    /// A zeroed (or constant) input has variance 0: invstd is exactly 1/sqrt(eps), the
    /// output is beta and the backward pass stays finite (method.md section 4).
    func testConstantInputStaysFinite() throws {
        let shape: Shape = [2, 3, 3, 4, 5]
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            for value: Float in [0, 2.5] {
                let results = try Self.run(backend, NormalizationDescriptor(.instance), shape: shape,
                                           x: [Float](repeating: value, count: shape.count), r: testValues(shape.count, seed: 3))
                for (k, name) in Self.outputNames.enumerated() {
                    XCTAssertTrue(results[k].allSatisfy { $0.isFinite }, "\(backend.name) constant \(value): \(name) not finite")
                }
                if value == 0 {
                    XCTAssertEqual(results[2][0], 1 / Float(1e-5).squareRoot(), accuracy: 1, "invstd of a zero input")
                    XCTAssertEqual(results[0][0], -0.1, accuracy: 1e-6, "zero input gives beta")
                }
            }
        }
    }

    /// Instance norm over a single voxel (the ASPP's image-pooling branch): the output is
    /// beta whatever x, so the input gradient is exactly zero (dy * gamma equals its own
    /// mean), on every backend, not a rounding error scaled by 1/sqrt(eps).
    func testOneVoxelStatisticsGiveExactlyZeroInputGradient() throws {
        let shape: Shape = [2, 4, 1, 1, 1]
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let results = try Self.run(backend, NormalizationDescriptor(.instance), shape: shape,
                                       x: testValues(shape.count, seed: 4), r: testValues(shape.count, seed: 5))
            XCTAssertEqual(results[5], [Float](repeating: 0, count: shape.count), "\(backend.name): gradInput")
        }
    }

    func testNaNPropagatesThroughItsStatisticOnly() throws {
        let shape: Shape = [2, 3, 2, 3, 4]
        var x = testValues(shape.count, seed: 4)
        x[5] = .nan  // sample 0, channel 0
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let results = try Self.run(backend, NormalizationDescriptor(.instance), shape: shape, x: x, r: testValues(shape.count, seed: 3))
            let spatial = 24
            XCTAssertTrue(results[0][0..<spatial].allSatisfy { $0.isNaN }, "\(backend.name): NaN must reach its instance")
            XCTAssertTrue(results[0][spatial...].allSatisfy { $0.isFinite }, "\(backend.name): other instances stay finite")
            XCTAssertTrue(results[6][0].isNaN, "\(backend.name): gradGamma of the NaN channel")
        }
    }

    func testDeterministicOnDevice() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [2, 5, 9, 16, 17]
        for descriptor in [NormalizationDescriptor(.batch), NormalizationDescriptor(.group(groups: 5))] {
            let x = testValues(shape.count, seed: 8), r = testValues(shape.count, seed: 9)
            let first = try Self.run(gpu, descriptor, shape: shape, x: x, r: r)
            let second = try Self.run(gpu, descriptor, shape: shape, x: x, r: r)
            for k in first.indices {
                XCTAssertEqual(first[k].map(\.bitPattern), second[k].map(\.bitPattern), "\(descriptor.kind) \(Self.outputNames[k])")
            }
        }
    }

    /// A repeated forward and backward moves nothing through the host and, once the pool
    /// holds the partial-sum buffers, allocates nothing: 3 + 4 launches per step.
    func testRepeatedStepStaysOnDeviceWithoutAllocating() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [2, 8, 3, 5, 7], descriptor = NormalizationDescriptor(.group(groups: 4))
        let x = try gpu.upload(testValues(shape.count, seed: 1), shape: shape), r = try gpu.upload(testValues(shape.count, seed: 2), shape: shape)
        let gamma = try gpu.full([8], value: 1), beta = try gpu.full([8], value: 0)
        let y = try gpu.makeTensor(shape: shape), gradInput = try gpu.makeTensor(shape: shape)
        let mean = try gpu.makeTensor(shape: [8]), invStd = try gpu.makeTensor(shape: [8])
        let gradGamma = try gpu.makeTensor(shape: [8]), gradBeta = try gpu.makeTensor(shape: [8])
        func step() throws {
            try gpu.normalizationForward(descriptor, x: x, gamma: gamma, beta: beta, runningMean: nil, runningVariance: nil,
                                         into: y, savedMean: mean, savedInvStd: invStd)
            try gpu.normalizationBackward(descriptor, x: x, gradOutput: r, gamma: gamma, savedMean: mean, savedInvStd: invStd,
                                          gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
        }
        try step()
        try gpu.synchronize()
        gpu.counters.reset()
        try step()
        XCTAssertEqual(gpu.counters.bytesToDevice, 0)
        XCTAssertEqual(gpu.counters.bytesFromDevice, 0)
        XCTAssertEqual(gpu.counters.allocations, 0)
        XCTAssertEqual(gpu.counters.kernelLaunches, 7)
    }

    func testShapeErrorsNameTheOp() throws {
        for backend in [CPUBackend<Float>() as any Backend, try TestDevices.gpu()] {
            let x = try backend.makeTensor(shape: [2, 4, 1, 2, 2])
            let wrong = try backend.makeTensor(shape: [3]), stats = try backend.makeTensor(shape: [8])
            XCTAssertThrowsError(try backend.normalizationForward(NormalizationDescriptor(.instance), x: x, gamma: wrong, beta: wrong,
                                                                  runningMean: nil, runningVariance: nil, into: x,
                                                                  savedMean: stats, savedInvStd: stats)) { error in
                XCTAssertTrue("\(error)".contains("gamma must be 4"), "\(error)")
            }
            XCTAssertThrowsError(try NormalizationDescriptor(.group(groups: 3)).statisticCount(for: [2, 4, 1, 2, 2]))
        }
    }
}
