import MCKDEngine
import XCTest

/// SGD (momentum, Nesterov, weight decay), Adam and AdamW: hand-computed steps and
/// several steps of OpenCL against the CPU reference.
final class OptimizerTests: XCTestCase {
    let cpu = CPUBackend<Float>()

    /// Runs `steps` SGD steps from the given state; returns parameter and momentum buffer.
    func sgd(_ backend: any Backend, _ settings: SGDSettings, lr: Float, parameter: [Float], gradients: [[Float]],
             buffer: [Float]) throws -> (parameter: [Float], buffer: [Float]) {
        let shape = Shape(parameter.count)
        let p = try backend.upload(parameter, shape: shape), b = try backend.upload(buffer, shape: shape)
        for g in gradients {
            try backend.sgdStep(settings, learningRate: lr, parameter: p, gradient: try backend.upload(g, shape: shape), momentumBuffer: b)
        }
        return (try backend.download(p), try backend.download(b))
    }

    /// Runs Adam steps `firstStep`, `firstStep + 1`, ...; returns parameter and moments.
    func adam(_ backend: any Backend, _ settings: AdamSettings, lr: Float, firstStep: Int, parameter: [Float],
              gradients: [[Float]], moments: ([Float], [Float])) throws -> [[Float]] {
        let shape = Shape(parameter.count)
        let p = try backend.upload(parameter, shape: shape)
        let m = try backend.upload(moments.0, shape: shape), v = try backend.upload(moments.1, shape: shape)
        for (k, g) in gradients.enumerated() {
            try backend.adamStep(settings, learningRate: lr, step: firstStep + k, parameter: p,
                                 gradient: try backend.upload(g, shape: shape), firstMoment: m, secondMoment: v)
        }
        return [try backend.download(p), try backend.download(m), try backend.download(v)]
    }

    // Hand-computed (lr 0.1, momentum 0.9, weight decay 0.1), p = [1, -2], g = [0.5, 0.25]:
    // g' = g + 0.1 p = [0.6, 0.05]. From buf = 0: buf = [0.6, 0.05]; plain p -= 0.1 buf,
    // Nesterov p -= 0.1 (g' + 0.9 buf) = 0.1 * [1.14, 0.095]. From buf = [0.2, -0.1]:
    // buf = 0.9 buf + g' = [0.78, -0.04]; Nesterov update g' + 0.9 buf = [1.302, 0.014].
    func testSGDOneStepByHand() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let g = [[Float(0.5), 0.25]]
            let plain = SGDSettings(momentum: 0.9, weightDecay: 0.1), nesterov = SGDSettings(momentum: 0.9, nesterov: true, weightDecay: 0.1)
            var r = try sgd(backend, plain, lr: 0.1, parameter: [1, -2], gradients: g, buffer: [0, 0])
            assertClose(r.parameter, [0.94, -2.005], relative: 1e-6, "plain p on \(backend.name)")
            assertClose(r.buffer, [0.6, 0.05], relative: 1e-6, "plain buffer on \(backend.name)")
            r = try sgd(backend, nesterov, lr: 0.1, parameter: [1, -2], gradients: g, buffer: [0, 0])
            assertClose(r.parameter, [0.886, -2.0095], relative: 1e-6, "Nesterov p on \(backend.name)")
            r = try sgd(backend, plain, lr: 0.1, parameter: [1, -2], gradients: g, buffer: [0.2, -0.1])
            assertClose(r.parameter, [0.922, -1.996], relative: 1e-6, "plain p with state on \(backend.name)")
            assertClose(r.buffer, [0.78, -0.04], relative: 1e-6, "buffer with state on \(backend.name)")
            r = try sgd(backend, nesterov, lr: 0.1, parameter: [1, -2], gradients: g, buffer: [0.2, -0.1])
            assertClose(r.parameter, [0.8698, -2.0014], relative: 1e-6, "Nesterov p with state on \(backend.name)")
            r = try sgd(backend, SGDSettings(), lr: 0.5, parameter: [1, -2], gradients: g, buffer: [0, 0])
            assertClose(r.parameter, [0.75, -2.125], relative: 1e-6, "plain SGD on \(backend.name)")
        }
    }

    // Hand-computed step t = 3 from m = 0.2, v = 0.04 with p = 1, g = 0.5, lr 0.1:
    // m = 0.9 * 0.2 + 0.1 * 0.5 = 0.23, v = 0.999 * 0.04 + 0.001 * 0.25 = 0.04021,
    // p = 1 - (0.1 / (1 - 0.9^3)) * 0.23 / (sqrt(0.04021) / sqrt(1 - 0.999^3) + 1e-8) = 0.97682952.
    // Adam, weight decay 0.1: g = 0.6, m = 0.24, v = 0.04032, p = 0.97585512.
    // AdamW, weight decay 0.1: p = 1 * (1 - 0.01) - 0.02317048 = 0.96682952.
    // Step 1 from zero state, p = -2, g = -0.25, lr 0.01: p = -2 + 0.01 / (1 + 4e-8) = -1.99000000.
    func testAdamAndAdamWOneStepByHand() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let state = ([Float(0.2)], [Float(0.04)])
            var r = try adam(backend, AdamSettings(), lr: 0.1, firstStep: 3, parameter: [1], gradients: [[0.5]], moments: state)
            assertClose(r[0], [0.9768295242], relative: 1e-6, "Adam p on \(backend.name)")
            assertClose(r[1] + r[2], [0.23, 0.04021], relative: 1e-6, "Adam moments on \(backend.name)")
            r = try adam(backend, AdamSettings(weightDecay: 0.1), lr: 0.1, firstStep: 3, parameter: [1], gradients: [[0.5]], moments: state)
            assertClose(r[0] + r[1] + r[2], [0.9758551155, 0.24, 0.04032], relative: 1e-6, "Adam L2 on \(backend.name)")
            r = try adam(backend, AdamSettings(weightDecay: 0.1, decoupledWeightDecay: true), lr: 0.1, firstStep: 3,
                         parameter: [1], gradients: [[0.5]], moments: state)
            assertClose(r[0] + r[1] + r[2], [0.9668295242, 0.23, 0.04021], relative: 1e-6, "AdamW on \(backend.name)")
            r = try adam(backend, AdamSettings(), lr: 0.01, firstStep: 1, parameter: [-2], gradients: [[-0.25]], moments: ([0], [0]))
            assertClose(r[0] + r[1] + r[2], [-1.99, -0.025, 6.25e-5], relative: 1e-6, "Adam first step on \(backend.name)")
        }
    }

    /// Five steps on random state, sizes around the 256-wide work-group. Each step is a
    /// handful of float operations per element; OpenCL may contract a*b+c into fma and
    /// round sqrt/division within a few ulp, so results differ by a few ulp per step:
    /// 1e-5 relative plus 1e-7 absolute after five steps.
    func testParityOverSeveralSteps() throws {
        let gpu = try TestDevices.gpu()
        for count in [1, 255, 257, 4099] {
            let parameter = testValues(count, seed: 71), state = testValues(count, seed: 72, scale: 0.1)
            let gradients = (0..<5).map { testValues(count, seed: 73 + UInt64($0)) }
            // The BraTS network's SGD (momentum 0.99, Nesterov), momentum with weight decay, plain SGD.
            for settings in [SGDSettings(momentum: 0.99, nesterov: true), SGDSettings(momentum: 0.9, weightDecay: 1e-4), SGDSettings()] {
                let ref = try sgd(cpu, settings, lr: 1e-2, parameter: parameter, gradients: gradients, buffer: state)
                let dev = try sgd(gpu, settings, lr: 1e-2, parameter: parameter, gradients: gradients, buffer: state)
                assertClose(dev.parameter, ref.parameter, relative: 1e-5, absolute: 1e-7, "SGD \(settings) p, n=\(count)")
                assertClose(dev.buffer, ref.buffer, relative: 1e-5, absolute: 1e-7, "SGD \(settings) buffer, n=\(count)")
            }
            let second = state.map { $0 * $0 }
            // AV-MNIST network (Adam, wd 1e-2), importance weights (Adam, wd 5e-4), AdamW, plain Adam.
            for settings in [AdamSettings(weightDecay: 1e-2), AdamSettings(weightDecay: 5e-4),
                             AdamSettings(weightDecay: 5e-4, decoupledWeightDecay: true), AdamSettings()] {
                let ref = try adam(cpu, settings, lr: 1e-2, firstStep: 1, parameter: parameter, gradients: gradients, moments: (state, second))
                let dev = try adam(gpu, settings, lr: 1e-2, firstStep: 1, parameter: parameter, gradients: gradients, moments: (state, second))
                for (k, name) in ["p", "m", "v"].enumerated() {
                    assertClose(dev[k], ref[k], relative: 1e-5, absolute: 1e-7, "\(settings) \(name), n=\(count)")
                }
            }
        }
    }

    func testNaNGradientPropagatesAndErrors() throws {
        for backend in [cpu as any Backend, try TestDevices.gpu()] {
            let r = try sgd(backend, SGDSettings(momentum: 0.9), lr: 0.1, parameter: [1, 2], gradients: [[.nan, 1]], buffer: [0, 0])
            XCTAssertTrue(r.parameter[0].isNaN && r.parameter[1].isFinite, "SGD on \(backend.name)")
            let a = try adam(backend, AdamSettings(), lr: 0.1, firstStep: 1, parameter: [1, 2], gradients: [[1, .nan]], moments: ([0, 0], [0, 0]))
            XCTAssertTrue(a[0][1].isNaN && a[0][0].isFinite, "Adam on \(backend.name)")
            let p = try backend.makeTensor(shape: [3])
            XCTAssertThrowsError(try backend.sgdStep(SGDSettings(), learningRate: 1, parameter: p, gradient: try backend.makeTensor(shape: [4]), momentumBuffer: p))
            XCTAssertThrowsError(try backend.adamStep(AdamSettings(), learningRate: 1, step: 0, parameter: p, gradient: p, firstMoment: p, secondMoment: p))
        }
    }
}
