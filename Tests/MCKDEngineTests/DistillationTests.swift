import MCKDEngine
import XCTest

/// The modality-weighted KD loss: hand-computed values, gradient checks with the
/// teacher detached and through D to theta_w, OpenCL parity, |A| = 1, NaN, determinism.
final class DistillationTests: XCTestCase {
    let cpu = CPUBackend<Float>()
    let cpu64 = CPUBackend<Double>()

    struct Result { var loss: [Float]; var distances: [Float]; var grad: [Float]; var thetaGrad: [Float] }

    /// Runs the loss with its gradient and the theta_w gradient (lambda 0.1) on one backend.
    func evaluate(_ backend: any Backend, _ descriptor: DistillationDescriptor, features: [Float], shape: Shape,
                  theta: [Float]) throws -> Result {
        let m = descriptor.modalityCount
        let loss = try backend.makeTensor(shape: [1]), distances = try backend.full([m, m], value: .nan)
        let grad = try backend.full(shape, value: .nan), thetaGrad = try backend.full([m], value: .nan)
        let thetaW = try backend.upload(theta, shape: [m])
        try backend.modalityWeightedDistillation(descriptor, features: try backend.upload(features, shape: shape), thetaW: thetaW,
                                                 loss: loss, distances: distances, gradFeatures: grad)
        try backend.distillationThetaGradient(distances: distances, thetaW: thetaW, scale: 0.1, into: thetaGrad)
        return Result(loss: try backend.download(loss), distances: try backend.download(distances),
                      grad: try backend.download(grad), thetaGrad: try backend.download(thetaGrad))
    }

    func testHandComputedPair() throws {
        // f0 = [1, 2, 5], f1 = [0, 4, 5]: D01 = (1 + 2 + 0) / 3 = 1. theta = [0, ln 2] gives
        // w0/w1 = 1/2, w1/w0 = 2: loss = 0.5 * 1 + 2 * 1 = 2.5. Student gradients over N*F = 3:
        // f1 (teacher f0, ratio 1/2): sign(f1 - f0) / 6 = [-1, 1, 0] / 6 (the tie gives 0);
        // f0 (teacher f1, ratio 2): 2 * sign(f0 - f1) / 3 = [2, -2, 0] / 3.
        // theta gradient (lambda 0.1): 0.1 * (D01 r01 - D10 r10) = 0.1 * (0.5 - 2) for k = 0, the negative for k = 1.
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let r = try evaluate(backend, DistillationDescriptor(available: [true, true]), features: [1, 2, 5, 0, 4, 5],
                                 shape: [2, 3], theta: [0, Float(log(2.0))])
            assertClose(r.loss, [2.5], "loss on \(backend.name)")
            assertClose(r.distances, [0, 1, 1, 0], "distances on \(backend.name)")
            assertClose(r.grad, [2.0 / 3, -2.0 / 3, 0, -1.0 / 6, 1.0 / 6, 0], "gradient on \(backend.name)")
            assertClose(r.thetaGrad, [-0.15, 0.15], "theta gradient on \(backend.name)")
            // MSE: D01 = (1 + 4 + 0) / 3 = 5/3; f1's gradient 0.5 * 2 * (f1 - f0) / 3.
            let s = try evaluate(backend, DistillationDescriptor(available: [true, true], distance: .meanSquared),
                                 features: [1, 2, 5, 0, 4, 5], shape: [2, 3], theta: [0, Float(log(2.0))])
            assertClose(s.loss, [2.5 * 5 / 3], "MSE loss on \(backend.name)")
            assertClose(Array(s.grad[3...]), [-1.0 / 3, 2.0 / 3, 0], "MSE gradient on \(backend.name)")
        }
    }

    /// Per test case: samples N, modalities, available set, slice shape, distance.
    static let gradientCases: [(n: Int, available: [Bool], slice: [Int], distance: DistillationDistance)] = [
        (2, [true, true, true], [2, 1, 2, 3], .l1),
        (1, [true, false, true, true], [3, 2, 2], .l1),
        (2, [true, true, false], [5], .meanSquared),
    ]

    /// Teacher detached: for each student modality j, only f_j is perturbed, and the
    /// function differentiated is the sum of the terms where j is the student,
    /// sum_i r[i, j] D[i, j] (D read from the op; with f_i unchanged it is exactly the
    /// distance to a detached teacher). Its gradient must equal the op's on f_j's slices.
    func testStudentGradientMatchesFiniteDifferencesWithTeacherDetached() throws {
        for (n, available, sliceDims, distance) in Self.gradientCases {
            let m = available.count, slice = sliceDims.reduce(1, *)
            let shape = Shape([n * m] + sliceDims)
            let descriptor = DistillationDescriptor(available: available, distance: distance)
            let features = testValues(shape.count, seed: 61).map(Double.init)
            let theta = testValues(m, seed: 62).map(Double.init)
            let thetaW = try cpu64.uploadScalars(theta, shape: [m])
            let loss = try cpu64.makeTensor(shape: [1]), distances = try cpu64.makeTensor(shape: [m, m])
            let grad = try cpu64.makeTensor(shape: shape)
            try cpu64.modalityWeightedDistillation(descriptor, features: try cpu64.uploadScalars(features, shape: shape), thetaW: thetaW,
                                                   loss: loss, distances: distances, gradFeatures: grad)
            let analytic = try cpu64.values(grad)
            for j in 0..<m {
                var indices: [Int] = []
                for s in 0..<n { indices += Array((s * m + j) * slice..<(s * m + j + 1) * slice) }
                guard available[j] else {
                    XCTAssertTrue(indices.allSatisfy { analytic[$0] == 0 }, "modality \(j) outside A must get no gradient")
                    continue
                }
                let numeric = try numericalGradient(at: indices.map { features[$0] }) { studentValues in
                    var probe = features
                    for (k, index) in indices.enumerated() { probe[index] = studentValues[k] }
                    try cpu64.modalityWeightedDistillation(descriptor, features: try cpu64.uploadScalars(probe, shape: shape), thetaW: thetaW,
                                                           loss: loss, distances: distances, gradFeatures: nil)
                    let d = try cpu64.values(distances)
                    var studentTerms = 0.0
                    for i in 0..<m where i != j && available[i] { studentTerms += exp(theta[i] - theta[j]) * d[i * m + j] }
                    return studentTerms
                }
                assertGradientsMatch(indices.map { analytic[$0] }, numeric, "student \(j), \(distance), A = \(available)")
            }
        }
    }

    /// d(lambda * loss)/d theta_w at fixed features, against finite differences of the loss.
    func testThetaGradientMatchesFiniteDifferences() throws {
        for (n, available, sliceDims, distance) in Self.gradientCases {
            let m = available.count
            let shape = Shape([n * m] + sliceDims)
            let descriptor = DistillationDescriptor(available: available, distance: distance)
            let features = try cpu64.uploadScalars(testValues(shape.count, seed: 63).map(Double.init), shape: shape)
            let theta = testValues(m, seed: 64, scale: 2).map(Double.init)
            let loss = try cpu64.makeTensor(shape: [1]), distances = try cpu64.makeTensor(shape: [m, m])
            let lambda = 0.1
            let numeric = try numericalGradient(at: theta) { point in
                try cpu64.modalityWeightedDistillation(descriptor, features: features, thetaW: try cpu64.uploadScalars(point, shape: [m]),
                                                       loss: loss, distances: distances, gradFeatures: nil)
                return lambda * (try cpu64.values(loss)[0])
            }
            let thetaW = try cpu64.uploadScalars(theta, shape: [m])
            try cpu64.modalityWeightedDistillation(descriptor, features: features, thetaW: thetaW, loss: loss, distances: distances, gradFeatures: nil)
            let grad = try cpu64.makeTensor(shape: [m])
            try cpu64.distillationThetaGradient(distances: distances, thetaW: thetaW, scale: Float(lambda), into: grad)
            assertGradientsMatch(try cpu64.values(grad), numeric, "theta_w, A = \(available)")
        }
    }

    /// Layouts of the models: the paper's BraTS bottleneck (N=2, M=4, 256 x 5^3) with several available
    /// sets, AV-MNIST projections (M=2, 128-d), slices shorter and longer than a 1024 chunk
    /// and not multiples of the 256-wide work-group.
    static let parityCases: [(n: Int, available: [Bool], slice: [Int])] = [
        (2, [true, true, true, true], [256, 5, 5, 5]),
        (2, [true, false, true, false], [16, 5, 5, 5]),
        (3, [false, true, true, true], [3, 7, 11, 13]),
        (5, [true, true], [128]),
        (1, [true, true, true], [1]),
    ]

    /// Loss and D: float sums of chunks of up to 1024 in order, then over chunks and
    /// samples: relative error ~sqrt(n) eps, we allow 2e-5. The gradient entries are sums
    /// of at most M - 1 ratio-weighted signs (or differences): a few ulp of exp, 1e-5
    /// relative. theta_w's gradient inherits D's error: 2e-5 relative to its largest term.
    func testOpenCLParity() throws {
        for (n, available, sliceDims) in Self.parityCases {
            for distance in DistillationDistance.allCases {
                let m = available.count
                let shape = Shape([n * m] + sliceDims)
                let descriptor = DistillationDescriptor(available: available, distance: distance)
                let features = testValues(shape.count, seed: 65, scale: 2)
                let theta = testValues(m, seed: 66, scale: 1.5)
                let ref = try evaluate(cpu, descriptor, features: features, shape: shape, theta: theta)
                let dev = try evaluate(try TestDevices.gpu(), descriptor, features: features, shape: shape, theta: theta)
                let label = "N=\(n) A=\(available) \(sliceDims) \(distance)"
                assertClose(dev.loss, ref.loss, relative: 2e-5, absolute: 1e-7, "loss \(label)")
                assertClose(dev.distances, ref.distances, relative: 2e-5, absolute: 1e-7, "distances \(label)")
                let largest = ref.grad.map(abs).max()!
                assertClose(dev.grad, ref.grad, relative: 1e-5, absolute: 1e-6 * largest, "gradient \(label)")
                let thetaScale = ref.distances.map(abs).max()! * 0.1 * exp(3)
                assertClose(dev.thetaGrad, ref.thetaGrad, relative: 0, absolute: 2e-5 * thetaScale + 1e-7, "theta gradient \(label)")
            }
        }
    }

    func testSingleAvailableModalityGivesZeroLossAndGradients() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let r = try evaluate(backend, DistillationDescriptor(available: [false, false, true, false]),
                                 features: testValues(2 * 4 * 10, seed: 67), shape: [8, 10], theta: [0.1, 0.2, 0.3, 0.4])
            XCTAssertEqual(r.loss, [0], backend.name)
            XCTAssertTrue(r.distances.allSatisfy { $0 == 0 } && r.grad.allSatisfy { $0 == 0 } && r.thetaGrad.allSatisfy { $0 == 0 },
                          "zero distances and gradients on \(backend.name)")
        }
    }

    func testNaNPropagatesAndMissingModalitiesStayClean() throws {
        var features = testValues(2 * 3 * 6, seed: 68)
        features[6 + 2] = .nan   // sample 0, modality 1, element 2
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let r = try evaluate(backend, DistillationDescriptor(available: [true, true, false]), features: features,
                                 shape: [6, 6], theta: [0, 0, 0])
            XCTAssertTrue(r.loss[0].isNaN, "loss on \(backend.name)")
            // Both sides of the pair see the NaN difference at element 2; modality 2 is outside A.
            XCTAssertTrue(r.grad[2].isNaN && r.grad[8].isNaN, "gradient on \(backend.name)")
            XCTAssertTrue(r.grad[12..<18].allSatisfy { $0 == 0 }, "missing modality on \(backend.name)")
        }
    }

    func testOpenCLIsDeterministic() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [8, 64, 5, 5, 5]
        let features = testValues(shape.count, seed: 69)
        let first = try evaluate(gpu, DistillationDescriptor(available: [true, true, true, true]), features: features, shape: shape, theta: [0.3, 0.1, 0.9, 0.5])
        let second = try evaluate(gpu, DistillationDescriptor(available: [true, true, true, true]), features: features, shape: shape, theta: [0.3, 0.1, 0.9, 0.5])
        XCTAssertEqual(first.loss.map(\.bitPattern), second.loss.map(\.bitPattern))
        XCTAssertTrue(first.distances.map(\.bitPattern) == second.distances.map(\.bitPattern) && first.grad.map(\.bitPattern) == second.grad.map(\.bitPattern))
    }

    /// Residency: loss, D, student gradient and theta_w gradient in five launches (terms,
    /// a one-pass reduce of 2000-element slices, finish, backward, theta_w gradient), no
    /// host transfer, temporaries from the pool.
    func testStaysOnTheDevice() throws {
        let gpu = try TestDevices.gpu()
        let shape: Shape = [8, 16, 5, 5, 5]
        let features = try gpu.upload(testValues(shape.count, seed: 70), shape: shape), grad = try gpu.makeTensor(shape: shape)
        let theta = try gpu.upload([0.1, 0.2, 0.3, 0.4], shape: [4]), thetaGrad = try gpu.makeTensor(shape: [4])
        let loss = try gpu.makeTensor(shape: [1]), distances = try gpu.makeTensor(shape: [4, 4])
        func step() throws {
            try gpu.modalityWeightedDistillation(DistillationDescriptor(available: [true, false, true, true]), features: features,
                                                 thetaW: theta, loss: loss, distances: distances, gradFeatures: grad)
            try gpu.distillationThetaGradient(distances: distances, thetaW: theta, scale: 0.1, into: thetaGrad)
        }
        try step()
        try gpu.synchronize()
        gpu.counters.reset()
        try step()
        try gpu.synchronize()
        XCTAssertEqual(gpu.counters.bytesToDevice + gpu.counters.bytesFromDevice, 0)
        XCTAssertEqual(gpu.counters.kernelLaunches, 5)
        XCTAssertEqual(gpu.counters.allocations, 0)
    }

    func testInvalidArguments() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let loss = try backend.makeTensor(shape: [1]), d = try backend.makeTensor(shape: [2, 2])
            let theta = try backend.makeTensor(shape: [2]), f = try backend.makeTensor(shape: [4, 3])
            XCTAssertThrowsError(try backend.modalityWeightedDistillation(DistillationDescriptor(available: [false, false]), features: f,
                                                                          thetaW: theta, loss: loss, distances: d, gradFeatures: nil))
            XCTAssertThrowsError(try backend.modalityWeightedDistillation(DistillationDescriptor(available: [true, true]),
                                                                          features: try backend.makeTensor(shape: [5, 3]),
                                                                          thetaW: theta, loss: loss, distances: d, gradFeatures: nil))
            XCTAssertThrowsError(try backend.modalityWeightedDistillation(DistillationDescriptor(available: [true, true]), features: f,
                                                                          thetaW: theta, loss: loss, distances: try backend.makeTensor(shape: [4]), gradFeatures: nil))
            XCTAssertThrowsError(try backend.distillationThetaGradient(distances: d, thetaW: try backend.makeTensor(shape: [3]), scale: 1, into: theta))
        }
    }
}
