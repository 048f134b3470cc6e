import MCKDEngine
import XCTest

/// The convolution parity check shared by the CPU-family and GPU-family test classes
/// (tolerance: see ConvolutionParityTests).
extension XCTestCase {
    /// Within `terms` float32 roundings of the reference (see the class comment).
    func assertWithin(_ actual: [Float], _ expected: [Float], terms: Int, _ label: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        assertClose(actual, expected, relative: 0, absolute: Float(terms) * 2.4e-7 + 1e-6, label, file: file, line: line)
    }

    /// Forward (with bias), backward-data, backward-filter and the bias gradient of one
    /// (possibly transposed) convolution, on `backend`.
    func run(_ c: Conv3DDescriptor, input: Shape, transposed: Bool, on backend: any Backend,
             inputValues: [Float]? = nil, gradValues: [Float]? = nil) throws -> [[Float]] {
        let output = transposed ? try c.transposedOutputShape(forInput: input) : try c.outputShape(forInput: input)
        let wShape = transposed ? c.transposedWeightShape : c.weightShape
        let x = try backend.upload(inputValues ?? testValues(input.count, seed: 21), shape: input)
        let w = try backend.upload(testValues(wShape.count, seed: 22), shape: wShape)
        let b = try backend.upload(testValues(c.outputChannels, seed: 23), shape: Shape(c.outputChannels))
        let dy = try backend.upload(gradValues ?? testValues(output.count, seed: 24), shape: output)
        let y = try backend.makeTensor(shape: output), dx = try backend.makeTensor(shape: input)
        let dw = try backend.makeTensor(shape: wShape), db = try backend.makeTensor(shape: Shape(c.outputChannels))
        // Stale NaNs in the outputs must be overwritten, never accumulated into.
        for t in [y, dx, dw, db] { try backend.fill(t, with: .nan) }
        if transposed {
            try backend.convTranspose3dForward(c, input: x, weight: w, bias: b, into: y)
            try backend.convTranspose3dBackwardData(c, gradOutput: dy, weight: w, into: dx)
            try backend.convTranspose3dBackwardFilter(c, input: x, gradOutput: dy, into: dw, gradBias: db)
        } else {
            try backend.conv3dForward(c, input: x, weight: w, bias: b, into: y)
            try backend.conv3dBackwardData(c, gradOutput: dy, weight: w, into: dx)
            try backend.conv3dBackwardFilter(c, input: x, gradOutput: dy, into: dw, gradBias: db)
        }
        return try [y, dx, dw, db].map { try backend.download($0) }
    }

    /// The four results of `run` on the CPU reference and on `device` (default: the
    /// shared gpu0 backend), each within its terms' roundings.
    func checkParity(_ c: Conv3DDescriptor, input: Shape, transposed: Bool, device openCL: OpenCLBackend? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try run(c, input: input, transposed: transposed, on: CPUBackend<Float>()).flatMap { $0 }
        let device = try run(c, input: input, transposed: transposed, on: openCL ?? TestDevices.gpu()).flatMap { $0 }
        let output = transposed ? try c.transposedOutputShape(forInput: input) : try c.outputShape(forInput: input)
        let counts = [output.count, input.count, c.weightShape.count, c.outputChannels]
        // Terms per element: the channel-by-tap sums of forward and backward-data, the
        // batch-by-space sums of the filter and bias gradients.
        let small = transposed ? c.outputChannels : c.inputChannels, large = transposed ? c.inputChannels : c.outputChannels
        let terms = [small * c.taps + 1, large * c.taps, output.count / c.outputChannels, output.count / c.outputChannels]
        let names = ["forward", "backward-data", "backward-filter", "bias gradient"]
        var start = 0
        for (index, count) in counts.enumerated() {
            let range = start..<start + count
            assertWithin(Array(device[range]), Array(reference[range]), terms: terms[index],
                         "\(transposed ? "transposed " : "")\(c) on \(input): \(names[index])", file: file, line: line)
            start += count
        }
    }
}
