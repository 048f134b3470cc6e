import MCKDEngine
import MCKDTraining
import XCTest

/// The paper model's composite layers (bottleneck block, ASPP with its image-pooling
/// branch, max-pool, upsampling) against central finite differences in Double on the
/// CPU reference, and against the CPU reference on OpenCL.
final class PaperLayerGradientTests: XCTestCase {
    let backend = CPUBackend<Double>()

    func random(_ shape: Shape, seed: UInt64) throws -> Tensor {
        let t = try backend.makeTensor(shape: shape)
        try backend.fillRandom(t, .normal(mean: 0, standardDeviation: 1), seed: seed, stream: 0)
        return t
    }

    /// loss = sum(layer(x) * r): checks dloss/dx and dloss/dparameter (a few entries of
    /// each parameter) against central differences.
    func checkGradients(_ layer: Layer, input shape: Shape, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try random(shape, seed: 11)
        let r = try random(try layer.outputShape(forInput: shape), seed: 12)
        func loss() throws -> Double {
            let y = try layer.forward(x)
            XCTAssertEqual(y.shape, r.shape, "shape inference must match forward", file: file, line: line)
            return zip(try backend.values(y), try backend.values(r)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        _ = try loss()
        let gradInput = try backend.values(try layer.backward(r))
        let gradParameters = try layer.parameters.map { try backend.values($0.gradient) }

        func numeric(_ tensor: Tensor, _ index: Int) throws -> Double {
            var values = try backend.values(tensor)
            let original = values[index], step = 1e-6
            values[index] = original + step
            try backend.copy(try backend.uploadScalars(values, shape: tensor.shape), to: tensor)
            let plus = try loss()
            values[index] = original - step
            try backend.copy(try backend.uploadScalars(values, shape: tensor.shape), to: tensor)
            let minus = try loss()
            values[index] = original
            try backend.copy(try backend.uploadScalars(values, shape: tensor.shape), to: tensor)
            return (plus - minus) / (2 * step)
        }
        func compare(_ analytic: Double, _ numeric: Double, _ what: String) {
            XCTAssertEqual(analytic, numeric, accuracy: 1e-5 * max(1, abs(numeric)), what, file: file, line: line)
        }
        let inputProbes = Array(Set((0..<12).map { ($0 * 7919) % x.count })).sorted()
        for index in inputProbes { compare(gradInput[index], try numeric(x, index), "input[\(index)]") }
        for (parameter, gradient) in zip(layer.parameters, gradParameters) {
            for index in Set([0, parameter.count / 2, parameter.count - 1]).sorted() {
                compare(gradient[index], try numeric(parameter.value, index), "\(parameter.name)[\(index)]")
            }
        }
        XCTAssertGreaterThan(gradInput.map(abs).max()!, 1e-6, "the input gradient must not vanish", file: file, line: line)
    }

    func testBottleneckWithProjectionAndStride() throws {
        var initializer = Initializer(seed: 1)
        let block = try Bottleneck(backend, inputChannels: 3, planes: 2, stride: 2, norm: .instance, activation: .leakyReLU(slope: 0.01),
                                   standardizeWeights: true, name: "b", initializer: &initializer)
        XCTAssertNotNil(block.projection)
        try checkGradients(block, input: Shape(2, 3, 4, 4, 4))
    }

    func testBottleneckWithIdentityShortcut() throws {
        var initializer = Initializer(seed: 2)
        let block = try Bottleneck(backend, inputChannels: 8, planes: 2, stride: 1, norm: .instance, activation: .leakyReLU(slope: 0.01),
                                   standardizeWeights: true, name: "b", initializer: &initializer)
        XCTAssertNil(block.projection)
        try checkGradients(block, input: Shape(1, 8, 3, 3, 3))
    }

    func testASPPWithImagePoolingBranch() throws {
        var initializer = Initializer(seed: 3)
        let aspp = try ASPP(backend, inputChannels: 3, channels: 2, dilations: [1, 2], norm: .instance, activation: .leakyReLU(slope: 0.01),
                            standardizeWeights: true, name: "aspp", initializer: &initializer)
        XCTAssertEqual(try aspp.outputShape(forInput: Shape(2, 3, 3, 4, 5)).dims, [2, 2, 3, 4, 5])
        try checkGradients(aspp, input: Shape(2, 3, 3, 4, 5))
    }

    func testMaxPoolAndTrilinearUpsample() throws {
        try checkGradients(Sequential([MaxPool3d(backend, PoolingDescriptor(kernel: 3, stride: 2, padding: 1)),
                                       Upsample(backend, .trilinear, scale: VolumeTriple(1, 2, 2))]),
                           input: Shape(1, 2, 4, 5, 6))
    }

    /// The same composite layers on OpenCL and on the CPU reference (Float), forward and backward.
    func testOpenCLMatchesTheCPUReference() throws {
        let cpu = CPUBackend<Float>(), device = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        func run(_ backend: any Backend) throws -> [(name: String, values: [Float])] {
            var initializer = Initializer(seed: 5)
            let layer = Sequential([
                try Bottleneck(backend, inputChannels: 4, planes: 3, stride: 2, norm: .instance, activation: .leakyReLU(slope: 0.01),
                               standardizeWeights: true, name: "b", initializer: &initializer),
                try ASPP(backend, inputChannels: 12, channels: 4, dilations: [2, 4], norm: .instance, activation: .leakyReLU(slope: 0.01),
                         standardizeWeights: true, name: "aspp", initializer: &initializer),
                MaxPool3d(backend, PoolingDescriptor(kernel: 3, stride: 2, padding: 1)),
                Upsample(backend, .trilinear, scale: VolumeTriple(1, 2, 2)),
            ])
            let x = try backend.makeTensor(shape: [2, 4, 8, 10, 12])
            try backend.fillRandom(x, .normal(mean: 0, standardDeviation: 1), seed: 9, stream: 0)
            let y = try layer.forward(x)
            let r = try backend.makeTensor(shape: y.shape)
            try backend.fillRandom(r, .normal(mean: 0, standardDeviation: 1), seed: 9, stream: 1)
            let gradInput = try layer.backward(r)
            return [("y", try backend.download(y)), ("gradInput", try backend.download(gradInput))]
                + (try layer.parameters.map { ($0.name, try backend.download($0.gradient)) })
        }
        let reference = try run(cpu), opencl = try run(device)
        XCTAssertEqual(reference.count, opencl.count)
        // The image-pooling branch's conv and norm gamma reach the output through instance
        // norm over one voxel (output beta whatever the input): exactly zero gradients.
        let vanishing: Set = ["aspp.imagePooling.conv.weight", "aspp.imagePooling.norm.gamma"]
        for ((name, a), (_, b)) in zip(reference, opencl) {
            let scale = a.map(abs).max() ?? 0
            if vanishing.contains(name) {
                XCTAssertEqual(scale, 0, name)
                XCTAssertEqual(b.map(abs).max(), 0, name)
                continue
            }
            XCTAssertGreaterThan(scale, 0, "\(name) must not vanish")
            for (u, v) in zip(a, b) { XCTAssertEqual(v, u, accuracy: 1e-4 * max(1, scale), name) }
        }
    }
}
