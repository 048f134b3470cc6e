/// The convolution family on OpenCL: shape checks, then the kernels of the backend's
/// device class (`OpenCLBackend+ConvolutionCPU.swift`, `OpenCLBackend+ConvolutionGPU.swift`);
/// weight standardisation (Kernels/conv3d_support.cl) serves both classes.
extension OpenCLBackend {
    /// out[c] = sum of t [N, C, ...] over batch and space.
    private func channelSum(_ t: Tensor, into out: Tensor) throws {
        if deviceClass == .gpu { return try channelSumGPU(t, into: out) }
        let n = t.shape[0], channels = t.shape[1]
        try launch("channel_sum", file: "conv3d_support", global: [channels], local: [Self.standardizationLocalSize],
                   [.tensor(t), .tensor(out), .int(n), .int(channels), .int(t.count / (n * channels))])
    }

    // The three kernel families, by device class.
    private func forward(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor) throws {
        switch deviceClass {
        case .cpu: try forwardCPU(c, input: input, weight: weight, bias: bias, into: output)
        case .gpu: try forwardGPU(c, input: input, weight: weight, bias: bias, into: output)
        }
    }

    private func gather(_ c: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor, bias: Tensor?, into gradInput: Tensor) throws {
        switch deviceClass {
        case .cpu: try gatherCPU(c, gradOutput: gradOutput, weight: weight, bias: bias, into: gradInput)
        case .gpu: try gatherGPU(c, gradOutput: gradOutput, weight: weight, bias: bias, into: gradInput)
        }
    }

    private func filterGradient(_ c: Conv3DDescriptor, input: Tensor, gradOutput: Tensor, into gradWeight: Tensor) throws {
        switch deviceClass {
        case .cpu: try filterGradientCPU(c, input: input, gradOutput: gradOutput, into: gradWeight)
        case .gpu: try filterGradientGPU(c, input: input, gradOutput: gradOutput, into: gradWeight)
        }
    }

    public func conv3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                              into output: Tensor) throws {
        try descriptor.check(input: input.shape, weight: weight.shape, output: output.shape, op: "conv3dForward")
        try descriptor.check(bias: bias?.shape, op: "conv3dForward")
        try forward(descriptor, input: input, weight: weight, bias: bias, into: output)
    }

    public func conv3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                                   into gradInput: Tensor) throws {
        try descriptor.check(input: gradInput.shape, weight: weight.shape, output: gradOutput.shape, op: "conv3dBackwardData")
        try gather(descriptor, gradOutput: gradOutput, weight: weight, bias: nil, into: gradInput)
    }

    public func conv3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                                     into gradWeight: Tensor, gradBias: Tensor?) throws {
        try descriptor.check(input: input.shape, weight: gradWeight.shape, output: gradOutput.shape, op: "conv3dBackwardFilter")
        try descriptor.check(bias: gradBias?.shape, op: "conv3dBackwardFilter")
        try filterGradient(descriptor, input: input, gradOutput: gradOutput, into: gradWeight)
        if let gradBias { try channelSum(gradOutput, into: gradBias) }
    }

    // MARK: Transposed convolution: the adjoint convolution's kernels with roles swapped

    public func convTranspose3dForward(_ descriptor: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?,
                                       into output: Tensor) throws {
        try descriptor.checkTransposed(input: input.shape, weight: weight.shape, output: output.shape, op: "convTranspose3dForward")
        try descriptor.check(bias: bias?.shape, op: "convTranspose3dForward")
        switch deviceClass {
        case .cpu: try transposeForwardCPU(descriptor, input: input, weight: weight, bias: bias, into: output)
        case .gpu: try gatherGPU(descriptor.adjoint, gradOutput: input, weight: weight, bias: bias, into: output)
        }
    }

    public func convTranspose3dBackwardData(_ descriptor: Conv3DDescriptor, gradOutput: Tensor, weight: Tensor,
                                            into gradInput: Tensor) throws {
        try descriptor.checkTransposed(input: gradInput.shape, weight: weight.shape, output: gradOutput.shape,
                                       op: "convTranspose3dBackwardData")
        try forward(descriptor.adjoint, input: gradOutput, weight: weight, bias: nil, into: gradInput)
    }

    public func convTranspose3dBackwardFilter(_ descriptor: Conv3DDescriptor, input: Tensor, gradOutput: Tensor,
                                              into gradWeight: Tensor, gradBias: Tensor?) throws {
        try descriptor.checkTransposed(input: input.shape, weight: gradWeight.shape, output: gradOutput.shape,
                                       op: "convTranspose3dBackwardFilter")
        try descriptor.check(bias: gradBias?.shape, op: "convTranspose3dBackwardFilter")
        try filterGradient(descriptor.adjoint, input: gradOutput, gradOutput: input, into: gradWeight)
        if let gradBias { try channelSum(gradOutput, into: gradBias) }
    }

    // MARK: Weight standardisation

    /// One work-item per output channel; a fixed group size so PoCL compiles once.
    private static let standardizationLocalSize = 64

    public func standardizeWeights(_ weight: Tensor, into standardized: Tensor, eps: Float) throws {
        try Conv3DDescriptor.checkStandardization([weight.shape, standardized.shape], op: "standardizeWeights", eps: eps)
        let channels = weight.shape[0]
        try launch("standardize_weights", file: "conv3d_support", global: [channels], local: [Self.standardizationLocalSize],
                   [.tensor(weight), .tensor(standardized), .int(channels), .int(weight.count / channels), .float(eps)])
    }

    public func standardizeWeightsBackward(_ weight: Tensor, gradStandardized: Tensor, into gradWeight: Tensor,
                                           eps: Float) throws {
        try Conv3DDescriptor.checkStandardization([weight.shape, gradStandardized.shape, gradWeight.shape],
                                                  op: "standardizeWeightsBackward", eps: eps)
        let channels = weight.shape[0]
        try launch("standardize_weights_backward", file: "conv3d_support", global: [channels],
                   local: [Self.standardizationLocalSize],
                   [.tensor(weight), .tensor(gradStandardized), .tensor(gradWeight), .int(channels),
                    .int(weight.count / channels), .float(eps)])
    }
}

/// How the convolution kernels lay their work over vector lanes (conv3d.cl).
public enum ConvolutionTiling: String, Sendable {
    /// By the width of the rows they write: position tiles for rows of at most 12.
    case automatic
    /// `conv3d_forward` / `conv3d_gather` / `conv3d_filter`: 16 lanes along one row (W).
    case rowSegments
    /// `conv3d_forward_tiles` / `conv3d_gather_tiles`: 8 consecutive positions of the
    /// flattened volume, the vector over channels; `conv3d_filter_tiles`: 16
    /// consecutive positions of the flattened volume per vector.
    case positionTiles
}

/// The three kernel families of a convolution: direct forward, gather (backward-data
/// and the transposed forward), filter gradient.
public enum ConvolutionPass: Sendable {
    case forward, gather, filterGradient
}
