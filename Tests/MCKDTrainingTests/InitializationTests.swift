import MCKDEngine
import MCKDTraining
import XCTest

/// Kaiming-normal initialisation in PyTorch's fan_out mode, as the reference's
/// `kaiming_normal_(mode='fan_out')`: a conv weight [Co, Ci, k^3] has fan_out = Co * k^3,
/// a transposed conv weight [Ci, Co, k^3] has fan_out = Ci * k^3 (PyTorch counts the
/// weight's first axis).
final class InitializationTests: XCTestCase {
    /// The sample standard deviation of the weights against sqrt(2 / fan_out); 4,096
    /// draws put it within a few percent (standard error 1.1%), while the other fan would
    /// be off by sqrt(8) here.
    func assertStandardDeviation(_ values: [Float], _ expected: Double, _ what: String) {
        let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
        let deviation = (values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count - 1)).squareRoot()
        XCTAssertEqual(deviation, expected, accuracy: 0.05 * expected, what)
    }

    func testConvolutionsUsePyTorchsFanOut() throws {
        let backend = CPUBackend<Float>()
        var initializer = Initializer(seed: 1)
        let transposed = try ConvTranspose3d(backend, Conv3DDescriptor(inputChannels: 64, outputChannels: 8, kernel: 2, stride: 2),
                                             name: "up", initializer: &initializer)
        XCTAssertEqual(transposed.weight.value.shape.dims, [64, 8, 2, 2, 2])
        assertStandardDeviation(try backend.download(transposed.weight.value), (2.0 / (64 * 8)).squareRoot(), "transposed conv: fan_out = Ci * k^3")
        let convolution = try Conv3d(backend, Conv3DDescriptor(inputChannels: 64, outputChannels: 8, kernel: 2), name: "conv",
                                     initializer: &initializer)
        assertStandardDeviation(try backend.download(convolution.weight.value), (2.0 / (8 * 8)).squareRoot(), "conv: fan_out = Co * k^3")
    }
}
