import MCKDEngine
import MCKDTraining
import XCTest

/// What the training step keeps on the device: in-place activations give the same
/// values and gradients as the out-of-place ones, and no activation outlives the
/// backward pass that used it.
final class ActivationMemoryTests: XCTestCase {
    func testInPlaceActivationMatchesOutOfPlaceBitForBit() throws {
        let backend = CPUBackend<Float>()
        // Zeros, negatives, infinities and a NaN: where the output must stand in for the input.
        let values: [Float] = [-2, -0.0, 0, 0.5, 3, -.infinity, .infinity, .nan] + (0..<56).map { Float($0 % 11) * 0.7 - 3.3 }
        let gradient = (0..<values.count).map { Float($0 % 7) * 0.3 - 0.8 }
        for kind in [ActivationKind.relu, .leakyReLU(slope: 0.01), .sigmoid] {
            var results: [[UInt32]] = []
            for inPlace in [false, true] {
                let layer = Activation(backend, kind, inPlace: inPlace)
                let x = try backend.upload(values, shape: [2, 4, 8])
                let y = try layer.forward(x)
                let inputAfter = try backend.download(x).map(\.bitPattern)
                XCTAssertEqual(inputAfter, (inPlace ? try backend.download(y) : values).map(\.bitPattern),
                               "\(kind): only in place writes over its input")
                let gradInput = try layer.backward(try backend.upload(gradient, shape: [2, 4, 8]))
                results.append((try backend.download(y) + backend.download(gradInput)).map(\.bitPattern))
            }
            XCTAssertEqual(results[1], results[0], "\(kind)")
        }
    }

    func testBackwardReleasesWhatForwardKept() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        var initializer = Initializer(seed: 1)
        let block = try Bottleneck(backend, inputChannels: 8, planes: 2, stride: 2, norm: .instance, activation: .leakyReLU(slope: 0.01),
                                   standardizeWeights: true, name: "block", initializer: &initializer)
        let x = try backend.makeTensor(shape: [1, 8, 8, 8, 8])
        try backend.fillRandom(x, .normal(mean: 0, standardDeviation: 1), seed: 2, stream: 0)
        let before = backend.counters.bytesInUse
        let y = try block.forward(x)
        let gradOutput = try backend.full(y.shape, value: 1)
        let callersTensors = 2 * y.count * 4   // y and its gradient: 2048 bytes each, whole 256-byte buckets
        XCTAssertGreaterThan(backend.counters.bytesInUse - before, 4 * callersTensors, "forward keeps activations for backward")
        var gradInput: Tensor? = try block.backward(gradOutput)
        XCTAssertEqual(gradInput?.shape, x.shape)
        gradInput = nil
        XCTAssertEqual(backend.counters.bytesInUse, before + callersTensors, "after backward only the caller's tensors remain")
        XCTAssertThrowsError(try block.backward(gradOutput), "a second backward has nothing left to use")
    }

    func testATrainingStepLeavesNoActivationOnTheDevice() throws {
        let backend = try OpenCLBackend(device: try OpenCLDevice.all()[0])
        let model = try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 6)
        let trainer = try SegmentationTrainer(model: model, settings: SegmentationTrainingSettings(steps: 5))
        let input = try backend.makeTensor(shape: [2, 4, 8, 8, 8]), targets = try backend.full([2, 3, 8, 8, 8], value: 0)
        try backend.fillRandom(input, .normal(mean: 0, standardDeviation: 1), seed: 5, stream: 0)
        let before = backend.counters.bytesInUse
        var losses: SegmentationLosses? = try trainer.train(input: input, targets: targets)
        XCTAssertNotNil(losses?.dice)
        losses = nil
        XCTAssertEqual(backend.counters.bytesInUse, before,
                       "parameters, gradients, momentum and the batch are all that stays between steps")
    }
}
