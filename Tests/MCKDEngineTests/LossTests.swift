import MCKDEngine
import XCTest

/// Soft Dice, BCE with logits and softmax cross-entropy: finite-difference gradient
/// checks on the Double reference, OpenCL parity, NaN, extreme logits, determinism.
final class LossTests: XCTestCase {
    let cpu = CPUBackend<Float>()
    let cpu64 = CPUBackend<Double>()

    enum VoxelLoss: CaseIterable { case dice, bce }

    func run(_ kind: VoxelLoss, _ backend: any Backend, logits: Tensor, targets: Tensor, loss: Tensor, grad: Tensor?) throws {
        switch kind {
        case .dice: try backend.diceLoss(logits: logits, targets: targets, loss: loss, gradLogits: grad)
        case .bce: try backend.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: loss, gradLogits: grad)
        }
    }

    /// 0/1 targets with about a third of the voxels set.
    func binaryTargets(_ count: Int, seed: UInt64) -> [Float] {
        testValues(count, seed: seed).map { $0 > 0.33 ? 1 : 0 }
    }

    // MARK: Gradient checks (Double reference, central differences)

    func testVoxelLossGradientsMatchFiniteDifferences() throws {
        let shape: Shape = [2, 3, 2, 3, 2]
        let logits = testValues(shape.count, seed: 21, scale: 3).map(Double.init)
        let targets = binaryTargets(shape.count, seed: 22).map(Double.init)
        for kind in VoxelLoss.allCases {
            let t = try cpu64.uploadScalars(targets, shape: shape)
            let loss = try cpu64.makeTensor(shape: [1])
            let grad = try cpu64.makeTensor(shape: shape)
            try run(kind, cpu64, logits: try cpu64.uploadScalars(logits, shape: shape), targets: t, loss: loss, grad: grad)
            let numeric = try numericalGradient(at: logits) { point in
                try run(kind, cpu64, logits: try cpu64.uploadScalars(point, shape: shape), targets: t, loss: loss, grad: nil)
                return try cpu64.values(loss)[0]
            }
            assertGradientsMatch(try cpu64.values(grad), numeric, "\(kind)")
        }
    }

    func testCrossEntropyGradientMatchesFiniteDifferences() throws {
        let (n, k) = (3, 5)
        let logits = testValues(n * k, seed: 23, scale: 4).map(Double.init)
        let labels = try cpu64.uploadScalars([4, 0, 2], shape: [n])
        let loss = try cpu64.makeTensor(shape: [1]), grad = try cpu64.makeTensor(shape: [n, k])
        try cpu64.softmaxCrossEntropyLoss(logits: try cpu64.uploadScalars(logits, shape: [n, k]), labels: labels, loss: loss, gradLogits: grad)
        let numeric = try numericalGradient(at: logits) { point in
            try cpu64.softmaxCrossEntropyLoss(logits: try cpu64.uploadScalars(point, shape: [n, k]), labels: labels, loss: loss, gradLogits: nil)
            return try cpu64.values(loss)[0]
        }
        assertGradientsMatch(try cpu64.values(grad), numeric, "cross-entropy")
    }

    // MARK: Known values

    func testKnownValues() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            // Logits 0 give p = 1/2 everywhere. One row of 4 voxels with targets 1,1,0,0:
            // dice = 2 * 1 / (2 + 2 + 1) = 0.4, loss 0.6. BCE: log 2 per voxel, mean log 2.
            let logits = try backend.full([1, 1, 4], value: 0)
            let targets = try backend.upload([1, 1, 0, 0], shape: [1, 1, 4])
            let loss = try backend.makeTensor(shape: [1])
            try backend.diceLoss(logits: logits, targets: targets, loss: loss, gradLogits: nil)
            XCTAssertEqual(try backend.scalar(loss), 0.6, accuracy: 1e-6, backend.name)
            try backend.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: loss, gradLogits: nil)
            XCTAssertEqual(try backend.scalar(loss), Float(log(2.0)), accuracy: 1e-6, backend.name)
            // Uniform logits over K classes: loss log K, gradient (1/K - [k == label]) / N.
            let grad = try backend.makeTensor(shape: [2, 4])
            try backend.softmaxCrossEntropyLoss(logits: try backend.full([2, 4], value: 3), labels: try backend.upload([1, 3], shape: [2]),
                                                loss: loss, gradLogits: grad)
            XCTAssertEqual(try backend.scalar(loss), Float(log(4.0)), accuracy: 1e-6, backend.name)
            assertClose(try backend.download(grad), [0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375], "\(backend.name) xent grad")
        }
    }

    // MARK: OpenCL parity

    /// Shapes: odd extents, batch > 1, rows shorter and longer than one 1024-element chunk,
    /// element counts not a multiple of the 256-wide work-group, 2D (depth 1), and the
    /// paper model's 3 output channels.
    static let voxelShapes: [Shape] = [[1, 1, 1, 1, 1], [2, 3, 5, 7, 9], [2, 3, 1, 37, 41], [3, 2, 16, 16, 17], [2, 3, 20, 24, 28]]

    /// Float sums over chunks of up to 1024 voxels and then the chunks, against the Double
    /// reference: rounding of n positive terms grows like sqrt(n) * eps relative (about
    /// 4e-6 at n = 1024, more for the chunk pass), so we allow 2e-5 relative on the loss.
    /// The gradient is formed from those row statistics plus a few ulp of exp: 5e-5 of the
    /// largest gradient entry, absolute.
    func testVoxelLossParity() throws {
        for shape in Self.voxelShapes {
            let logits = testValues(shape.count, seed: 31, scale: 4), targets = binaryTargets(shape.count, seed: 32)
            for kind in VoxelLoss.allCases {
                let results = try onBothBackends { backend in
                    let loss = try backend.makeTensor(shape: [1]), grad = try backend.full(shape, value: .nan)
                    try run(kind, backend, logits: try backend.upload(logits, shape: shape),
                            targets: try backend.upload(targets, shape: shape), loss: loss, grad: grad)
                    return [try backend.scalar(loss)] + (try backend.download(grad))
                }
                assertClose([results.device[0]], [results.reference[0]], relative: 2e-5, absolute: 1e-7, "\(kind) loss \(shape)")
                let largest = results.reference.dropFirst().map(abs).max()!
                assertClose(Array(results.device.dropFirst()), Array(results.reference.dropFirst()),
                            relative: 0, absolute: 5e-5 * largest, "\(kind) gradient \(shape)")
            }
        }
    }

    /// Confident, correct predictions: every BCE term is log(1 + exp(-|x|)) ~ exp(-|x|), a
    /// tiny loss that must keep its relative accuracy (log(1 + e) must not round 1 + e).
    func testConfidentCorrectBCEKeepsRelativeAccuracy() throws {
        let shape: Shape = [2, 3, 7, 11, 13]
        let targets = binaryTargets(shape.count, seed: 34)
        let logits = zip(targets, testValues(shape.count, seed: 35)).map { t, u in (t == 1 ? 1 : -1) * (17 + 3 * u) }
        let results = try onBothBackends { backend in
            let loss = try backend.makeTensor(shape: [1])
            try backend.binaryCrossEntropyLoss(logits: try backend.upload(logits, shape: shape),
                                               targets: try backend.upload(targets, shape: shape), loss: loss, gradLogits: nil)
            return [try backend.scalar(loss)]
        }
        XCTAssertLessThan(results.reference[0], 1e-5)
        assertClose(results.device, results.reference, relative: 2e-5, absolute: 0, "tiny BCE")
    }

    /// Each row is a max, a sum of K exponentials and a log: a few ulp of exp and log per
    /// term, so 1e-5 relative plus 1e-7 absolute for entries near zero. Batch sizes around
    /// the 256-wide work-group.
    func testCrossEntropyParity() throws {
        for (n, k) in [(1, 10), (3, 2), (255, 10), (257, 10), (300, 7)] {
            let logits = testValues(n * k, seed: 33, scale: 6)
            let labels = (0..<n).map { Float(($0 * 7 + 3) % k) }
            let results = try onBothBackends { backend in
                let loss = try backend.makeTensor(shape: [1]), grad = try backend.full([n, k], value: .nan)
                try backend.softmaxCrossEntropyLoss(logits: try backend.upload(logits, shape: [n, k]),
                                                    labels: try backend.upload(labels, shape: [n]), loss: loss, gradLogits: grad)
                return [try backend.scalar(loss)] + (try backend.download(grad))
            }
            assertClose(results.device, results.reference, relative: 1e-5, absolute: 1e-7, "cross-entropy \(n)x\(k)")
        }
    }

    // MARK: NaN, extremes, determinism, errors

    func testNaNInLogitsPropagates() throws {
        let shape: Shape = [2, 3, 3, 4, 5]
        var logits = testValues(shape.count, seed: 41)
        logits[77] = .nan
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            for kind in VoxelLoss.allCases {
                let loss = try backend.makeTensor(shape: [1]), grad = try backend.makeTensor(shape: shape)
                try run(kind, backend, logits: try backend.upload(logits, shape: shape),
                        targets: try backend.upload(binaryTargets(shape.count, seed: 42), shape: shape), loss: loss, grad: grad)
                XCTAssertTrue(try backend.scalar(loss).isNaN, "\(kind) loss on \(backend.name)")
                XCTAssertTrue(try backend.download(grad)[77].isNaN, "\(kind) gradient on \(backend.name)")
            }
            var classLogits = testValues(12, seed: 43)
            classLogits[5] = .nan
            let loss = try backend.makeTensor(shape: [1]), grad = try backend.makeTensor(shape: [3, 4])
            try backend.softmaxCrossEntropyLoss(logits: try backend.upload(classLogits, shape: [3, 4]),
                                                labels: try backend.upload([0, 1, 2], shape: [3]), loss: loss, gradLogits: grad)
            XCTAssertTrue(try backend.scalar(loss).isNaN, "cross-entropy loss on \(backend.name)")
            let g = try backend.download(grad)
            XCTAssertTrue(g[4..<8].allSatisfy(\.isNaN) && g[0..<4].allSatisfy(\.isFinite), "cross-entropy gradient rows on \(backend.name): \(g)")
            // A label outside 0..<K is NaN too, not a silent wrong index.
            try backend.softmaxCrossEntropyLoss(logits: try backend.full([3, 4], value: 0),
                                                labels: try backend.upload([0, 4, 1.5], shape: [3]), loss: loss, gradLogits: nil)
            XCTAssertTrue(try backend.scalar(loss).isNaN, "bad label on \(backend.name)")
        }
    }

    func testExtremeLogitsGiveFiniteLossAndGradient() throws {
        // +-100 with both targets: every exp argument must stay in range.
        let shape: Shape = [2, 2, 1, 2, 3]
        let logits = (0..<shape.count).map { $0 % 2 == 0 ? Float(100) : -100 }
        let targets = (0..<shape.count).map { Float(($0 / 2) % 2) }
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            for kind in VoxelLoss.allCases {
                let loss = try backend.makeTensor(shape: [1]), grad = try backend.makeTensor(shape: shape)
                try run(kind, backend, logits: try backend.upload(logits, shape: shape),
                        targets: try backend.upload(targets, shape: shape), loss: loss, grad: grad)
                XCTAssertTrue(try backend.scalar(loss).isFinite, "\(kind) loss on \(backend.name)")
                XCTAssertTrue(try backend.download(grad).allSatisfy(\.isFinite), "\(kind) gradient on \(backend.name)")
            }
            // Half the voxels are wrong by 100: BCE = 2 channels * (half of 100) = 100.
            let loss = try backend.makeTensor(shape: [1])
            try backend.binaryCrossEntropyLoss(logits: try backend.upload(logits, shape: shape),
                                               targets: try backend.upload(targets, shape: shape), loss: loss, gradLogits: nil)
            XCTAssertEqual(try backend.scalar(loss), 100, accuracy: 1e-4, backend.name)

            let grad = try backend.makeTensor(shape: [2, 3])
            try backend.softmaxCrossEntropyLoss(logits: try backend.upload([100, -100, 0, -100, 100, 100], shape: [2, 3]),
                                                labels: try backend.upload([1, 0], shape: [2]), loss: loss, gradLogits: grad)
            // Sample 0 is wrong by 200, sample 1 by 200 + log 2: mean 200 + log(2) / 2.
            XCTAssertEqual(try backend.scalar(loss), 200 + Float(log(2.0)) / 2, accuracy: 1e-3, backend.name)
            XCTAssertTrue(try backend.download(grad).allSatisfy(\.isFinite), "cross-entropy gradient on \(backend.name)")
        }
    }

    func testOpenCLLossesAreDeterministic() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [2, 3, 24, 24, 24]
        let logits = try gpu.upload(testValues(shape.count, seed: 51, scale: 5), shape: shape)
        let targets = try gpu.upload(binaryTargets(shape.count, seed: 52), shape: shape)
        for kind in VoxelLoss.allCases {
            var runs: [[UInt32]] = []
            for _ in 0..<2 {
                let loss = try gpu.makeTensor(shape: [1]), grad = try gpu.makeTensor(shape: shape)
                try run(kind, gpu, logits: logits, targets: targets, loss: loss, grad: grad)
                runs.append(([try gpu.scalar(loss)] + (try gpu.download(grad))).map(\.bitPattern))
            }
            XCTAssertTrue(runs[0] == runs[1], "\(kind) differs between runs")
        }
    }

    /// Residency: a repeated loss + gradient call moves no bytes through the host,
    /// launches a fixed number of kernels and takes its temporaries from the pool.
    func testLossesStayOnTheDevice() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [2, 3, 9, 10, 11]
        let logits = try gpu.upload(testValues(shape.count, seed: 53), shape: shape)
        let targets = try gpu.upload(binaryTargets(shape.count, seed: 54), shape: shape)
        let loss = try gpu.makeTensor(shape: [1]), grad = try gpu.makeTensor(shape: shape)
        let classLogits = try gpu.upload(testValues(40, seed: 55), shape: [4, 10]), classGrad = try gpu.makeTensor(shape: [4, 10])
        let labels = try gpu.upload([1, 2, 3, 4], shape: [4])
        func step() throws {
            try gpu.diceLoss(logits: logits, targets: targets, loss: loss, gradLogits: grad)
            try gpu.binaryCrossEntropyLoss(logits: logits, targets: targets, loss: loss, gradLogits: grad)
            try gpu.softmaxCrossEntropyLoss(logits: classLogits, labels: labels, loss: loss, gradLogits: classGrad)
        }
        try step()
        try gpu.synchronize()
        gpu.counters.reset()
        try step()
        try gpu.synchronize()
        XCTAssertEqual(gpu.counters.bytesToDevice + gpu.counters.bytesFromDevice, 0)
        // Dice: terms, one-pass reduce (990 voxels), finish, backward; BCE: fused terms and
        // gradient, two-pass reduce (5940 elements), scale; cross-entropy: rows, sum.
        XCTAssertEqual(gpu.counters.kernelLaunches, 4 + 4 + 2)
        XCTAssertEqual(gpu.counters.allocations, 0)
    }

    func testShapeErrors() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let x = try backend.makeTensor(shape: [2, 3, 4]), loss = try backend.makeTensor(shape: [1])
            XCTAssertThrowsError(try backend.diceLoss(logits: x, targets: try backend.makeTensor(shape: [2, 3, 5]), loss: loss, gradLogits: nil))
            XCTAssertThrowsError(try backend.binaryCrossEntropyLoss(logits: x, targets: x, loss: try backend.makeTensor(shape: [2]), gradLogits: nil))
            XCTAssertThrowsError(try backend.diceLoss(logits: x, targets: x, loss: loss, gradLogits: try backend.makeTensor(shape: [24])))
            XCTAssertThrowsError(try backend.softmaxCrossEntropyLoss(logits: try backend.makeTensor(shape: [2, 3]),
                                                                     labels: try backend.makeTensor(shape: [3]), loss: loss, gradLogits: nil))
        }
    }
}
