import Foundation
import MCKDEngine

/// 3D convolution with optional weight standardisation and bias.
/// input [N, Ci, D, H, W] -> output [N, Co, D', H', W'].
public final class Conv3d: Layer {
    public let descriptor: Conv3DDescriptor
    public let weight: Parameter
    public let bias: Parameter?
    /// Normalise each output channel's weights to zero mean, unit variance before use.
    public let standardizesWeights: Bool
    /// The reference's: sqrt(unbiased variance + 1e-12).
    static let standardizationEpsilon: Float = 1e-12
    private let backend: any Backend
    private var input: Tensor?
    private var standardized: Tensor?

    /// Weights are Kaiming-normal with fan_out = Co * taps (the reference's init).
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - descriptor: channels, kernel, stride, padding and dilation.
    ///   - bias: a bias per output channel (zero at first).
    ///   - standardizeWeights: weight-standardised convolutions (the reference's `Conv3d_wd`).
    ///   - name: the parameters' name prefix (`name.weight`, `name.bias`).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, _ descriptor: Conv3DDescriptor, bias: Bool = false, standardizeWeights: Bool = false,
                name: String, initializer: inout Initializer) throws {
        try descriptor.validate()
        self.backend = backend
        self.descriptor = descriptor
        self.standardizesWeights = standardizeWeights
        let fanOut = Float(descriptor.outputChannels * descriptor.taps)
        weight = try Parameter(name: "\(name).weight",
                               value: try initializer.normal(backend, descriptor.weightShape, standardDeviation: (2 / fanOut).squareRoot()))
        self.bias = bias ? try Parameter(name: "\(name).bias", value: try backend.full(Shape(descriptor.outputChannels), value: 0), decays: false) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public var summary: String { "\(descriptor)\(standardizesWeights ? " WS" : "")\(bias == nil ? "" : " +b")" }
    public func outputShape(forInput input: Shape) throws -> Shape { try descriptor.outputShape(forInput: input) }

    /// The weights the convolution uses (standardised or raw).
    private func effectiveWeight() throws -> Tensor {
        guard standardizesWeights else { return weight.value }
        let out = try backend.makeTensor(shape: weight.value.shape)
        try backend.standardizeWeights(weight.value, into: out, eps: Self.standardizationEpsilon)
        standardized = out
        return out
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        input = x
        let out = try backend.makeTensor(shape: try descriptor.outputShape(forInput: x.shape))
        try backend.conv3dForward(descriptor, input: x, weight: try effectiveWeight(), bias: bias?.value, into: out)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let x = try Tensor.cached(input, summary)
        let used = standardizesWeights ? try Tensor.cached(standardized, summary) : weight.value
        let gradInput = try backend.makeTensor(shape: x.shape)
        try backend.conv3dBackwardData(descriptor, gradOutput: gradOutput, weight: used, into: gradInput)
        try backwardParameters(gradOutput)
        return gradInput
    }

    /// The parameters' gradients only, for a first layer whose input (the image) needs
    /// none: skips backward-data, which for a one-channel input is also the slowest case.
    public func backwardParameters(_ gradOutput: Tensor) throws {
        let x = try Tensor.cached(input, summary)
        if standardizesWeights {
            let gradStandardized = try backend.makeTensor(shape: weight.value.shape)
            try backend.conv3dBackwardFilter(descriptor, input: x, gradOutput: gradOutput, into: gradStandardized, gradBias: bias?.gradient)
            try backend.standardizeWeightsBackward(weight.value, gradStandardized: gradStandardized, into: weight.gradient,
                                                   eps: Self.standardizationEpsilon)
        } else {
            try backend.conv3dBackwardFilter(descriptor, input: x, gradOutput: gradOutput, into: weight.gradient, gradBias: bias?.gradient)
        }
        (input, standardized) = (nil, nil)
    }
}

/// Transposed 3D convolution (the decoder's k2 s2 upsampling), weight [Ci, Co, k, k, k].
public final class ConvTranspose3d: Layer {
    public let descriptor: Conv3DDescriptor
    public let weight: Parameter
    private let backend: any Backend
    private var input: Tensor?

    /// Weights are Kaiming-normal in PyTorch's fan_out mode, which for the transposed
    /// weight [Ci, Co, k, k, k] counts its first axis: fan_out = Ci * taps.
    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - descriptor: the convolution this one is the transpose of (its adjoint: channels swap).
    ///   - name: the weight's name prefix (`name.weight`).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, _ descriptor: Conv3DDescriptor, name: String, initializer: inout Initializer) throws {
        try descriptor.validate()
        self.backend = backend
        self.descriptor = descriptor
        let fanOut = Float(descriptor.inputChannels * descriptor.taps)
        weight = try Parameter(name: "\(name).weight",
                               value: try initializer.normal(backend, descriptor.transposedWeightShape, standardDeviation: (2 / fanOut).squareRoot()))
    }

    public var parameters: [Parameter] { [weight] }
    public var summary: String { "transposed \(descriptor)" }
    public func outputShape(forInput input: Shape) throws -> Shape { try descriptor.transposedOutputShape(forInput: input) }

    public func forward(_ x: Tensor) throws -> Tensor {
        input = x
        let out = try backend.makeTensor(shape: try descriptor.transposedOutputShape(forInput: x.shape))
        try backend.convTranspose3dForward(descriptor, input: x, weight: weight.value, bias: nil, into: out)
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let x = try Tensor.cached(input, summary)
        let gradInput = try backend.makeTensor(shape: x.shape)
        try backend.convTranspose3dBackwardData(descriptor, gradOutput: gradOutput, weight: weight.value, into: gradInput)
        try backend.convTranspose3dBackwardFilter(descriptor, input: x, gradOutput: gradOutput, into: weight.gradient, gradBias: nil)
        input = nil
        return gradInput
    }
}
