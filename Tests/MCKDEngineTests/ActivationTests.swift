import MCKDEngine
import XCTest

/// ReLU, LeakyReLU, sigmoid, channel softmax and dropout: gradients on the Double
/// reference, OpenCL parity, NaN, extreme inputs and bitwise dropout masks.
final class ActivationTests: XCTestCase {
    static let kinds: [ActivationKind] = [.relu, .leakyReLU(slope: 0.01), .leakyReLU(slope: 0.2), .sigmoid]

    /// loss = sum(op(x) * r); checks the op's backward (gradOutput = r) against finite differences.
    func checkGradient(shape: Shape, forward: (CPUBackend<Double>, Tensor, Tensor) throws -> Void,
                       backward: (CPUBackend<Double>, Tensor, Tensor, Tensor, Tensor) throws -> Void, _ label: String) throws {
        let cpu = CPUBackend<Double>()
        let x = testValues(shape.count, seed: 21, scale: 3).map(Double.init)
        let r = testValues(shape.count, seed: 22).map(Double.init)
        func loss(_ values: [Double]) throws -> Double {
            let y = try cpu.makeTensor(shape: shape)
            try forward(cpu, try cpu.uploadScalars(values, shape: shape), y)
            return zip(try cpu.values(y), r).map { $0 * $1 }.reduce(0, +)
        }
        let xt = try cpu.uploadScalars(x, shape: shape), y = try cpu.makeTensor(shape: shape), gradInput = try cpu.makeTensor(shape: shape)
        try forward(cpu, xt, y)
        try backward(cpu, xt, y, try cpu.uploadScalars(r, shape: shape), gradInput)
        assertGradientsMatch(try cpu.values(gradInput), try numericalGradient(at: x, loss), label)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let shape: Shape = [2, 3, 2, 2, 3]
        for kind in Self.kinds {
            try checkGradient(shape: shape, forward: { try $0.activationForward(kind, x: $1, into: $2) },
                              backward: { try $0.activationBackward(kind, x: $1, y: $2, gradOutput: $3, into: $4) }, "\(kind)")
        }
        try checkGradient(shape: shape, forward: { try $0.softmaxForward(x: $1, into: $2) },
                          backward: { try $0.softmaxBackward(y: $2, gradOutput: $3, into: $4) }, "softmax")
        // The mask depends only on (seed, stream), so every forward call draws the same one.
        var mask: Tensor? = nil
        try checkGradient(shape: shape, forward: { cpu, x, y in
            mask = try cpu.makeTensor(shape: shape)
            try cpu.dropoutForward(x: x, probability: 0.3, seed: 4, stream: 1, into: y, mask: mask!)
        }, backward: { try $0.dropoutBackward(gradOutput: $3, mask: mask!, into: $4) }, "dropout")
    }

    /// Every forward and backward output on both backends. ReLU and LeakyReLU are exact;
    /// sigmoid and softmax use exp, which OpenCL C allows a few ulp: rtol 1e-5 plus an
    /// absolute floor for results near zero (softmax sums up to 64 terms).
    func testParityWithReference() throws {
        let gpu = try TestDevices.gpu()
        // [4, 10]: AV-MNIST class logits (softmax over rank-2 channels).
        for shape: Shape in [[2, 3, 5, 7, 9], [3, 17, 3, 4, 5], [2, 64, 2, 3, 3], [2, 1, 5, 7, 9], [4, 10], [257]] {
            let x = testValues(shape.count, seed: 31, scale: 6), r = testValues(shape.count, seed: 32)
            var kinds: [ActivationKind?] = Self.kinds.map { $0 }
            if shape.rank > 1 { kinds.append(nil) }  // softmax
            for kind in kinds {
                func run(_ backend: any Backend) throws -> [[Float]] {
                    let xt = try backend.upload(x, shape: shape), rt = try backend.upload(r, shape: shape)
                    let y = try backend.full(shape, value: -7), gradInput = try backend.full(shape, value: -7)
                    if let kind {
                        try backend.activationForward(kind, x: xt, into: y)
                        try backend.activationBackward(kind, x: xt, y: y, gradOutput: rt, into: gradInput)
                    } else {
                        try backend.softmaxForward(x: xt, into: y)
                        try backend.softmaxBackward(y: y, gradOutput: rt, into: gradInput)
                    }
                    return [try backend.download(y), try backend.download(gradInput)]
                }
                let reference = try run(CPUBackend<Float>()), device = try run(gpu)
                let exact = kind.map { $0 != .sigmoid } ?? false
                for k in 0..<2 {
                    assertClose(device[k], reference[k], relative: exact ? 0 : 1e-5, absolute: exact ? 0 : 1e-6,
                                "\(kind.map { "\($0)" } ?? "softmax") \(shape) \(k == 0 ? "forward" : "backward")")
                }
            }
        }
    }

    func testDropoutMasksAreBitwiseEqualAndScaled() throws {
        let gpu = try TestDevices.gpu()
        for count in [1, 255, 257, 10_000] {
            let shape = Shape(count), x = testValues(count, seed: 41)
            var outputs: [[[Float]]] = []
            for backend in [CPUBackend<Float>() as any Backend, gpu] {
                let y = try backend.makeTensor(shape: shape), mask = try backend.makeTensor(shape: shape)
                try backend.dropoutForward(x: try backend.upload(x, shape: shape), probability: 0.25, seed: 77, stream: 3, into: y, mask: mask)
                outputs.append([try backend.download(mask), try backend.download(y)])
            }
            XCTAssertEqual(outputs[0][0].map(\.bitPattern), outputs[1][0].map(\.bitPattern), "mask n=\(count)")
            XCTAssertEqual(outputs[0][1].map(\.bitPattern), outputs[1][1].map(\.bitPattern), "output n=\(count)")
            XCTAssertTrue(outputs[0][0].allSatisfy { $0 == 0 || $0 == Float(1) / 0.75 }, "mask values are 0 or 1/(1-p)")
            if count == 10_000 {
                let dropped = Float(outputs[0][0].filter { $0 == 0 }.count) / Float(count)
                XCTAssertEqual(dropped, 0.25, accuracy: 0.02, "dropped fraction")
            }
        }
    }

    func testNaNAndExtremeInputs() throws {
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e30, -1e30, 88, -88, 100]
        let shape = Shape(specials.count)
        for kind in Self.kinds {
            let (reference, device) = try onBothBackends { backend in
                let y = try backend.makeTensor(shape: shape)
                try backend.activationForward(kind, x: try backend.upload(specials, shape: shape), into: y)
                return try backend.download(y)
            }
            assertClose(device, reference, relative: 1e-5, absolute: 1e-6, "\(kind) on specials")
            XCTAssertTrue(device[0].isNaN, "\(kind) keeps NaN")
            XCTAssertEqual(device[2], kind == .sigmoid || kind == .relu ? 0 : -.infinity, "\(kind) at -inf")
        }
        // Softmax over 3 channels: huge logits must not overflow; a NaN poisons only its column.
        let logits: [Float] = [1e4, 0, .nan, 1e4, 1, 5e3, -1e4, 2, 2]
        let (reference, device) = try onBothBackends { backend in
            let y = try backend.makeTensor(shape: [1, 3, 3])
            try backend.softmaxForward(x: try backend.upload(logits, shape: [1, 3, 3]), into: y)
            return try backend.download(y)
        }
        assertClose(device, reference, relative: 1e-5, absolute: 1e-6, "softmax extremes")
        XCTAssertEqual(device[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(device[3], 0.5, accuracy: 1e-6)
        XCTAssertEqual(device[6], 0)
        XCTAssertTrue(device[2].isNaN && device[5].isNaN && device[8].isNaN, "NaN column")
        XCTAssertTrue(device[1].isFinite && device[4].isFinite && device[7].isFinite, "other columns stay finite")
    }
}
