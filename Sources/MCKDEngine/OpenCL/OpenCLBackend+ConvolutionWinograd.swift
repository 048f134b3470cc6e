/// The CPU family's forward for the paper model's stem geometry along W (kernel 7,
/// stride 2, dilation 1) by minimal filtering (Kernels/conv3d_winograd.cl): 10
/// multiplies per pair of neighbouring outputs instead of 14.
extension OpenCLBackend {
    /// Output channels per work-item of `conv3d_forward_winograd` when it runs the
    /// forward of `c`: 16-lane vectors (AVX-512), a kernel 7 wide, stride 2 and dilation
    /// 1 along W, few input channels (at most a quarter vector, as `forwardRowsTile`:
    /// measured on the stem's one) and rows of at least a vector. Each channel keeps 4
    /// accumulators for its 32 outputs; 4 channels (16 accumulators) measured fastest on
    /// the stem. With AVX2's budget, 2 channels (8), it ran at 7.6 ms against
    /// `conv3d_forward_rows`' 6.9 (Kernels/dev/README.md), so narrower vectors keep that.
    /// Only with `.automatic` tiling: the forced tilings run the direct kernels on the
    /// same shapes (the parity tests use both).
    public func winogradChannels(_ c: Conv3DDescriptor, outputWidth: Int) -> Int? {
        let width = profile.vectorWidth
        guard width == 16, convolutionTiling == .automatic, c.kernel.w == 7, c.stride.w == 2, c.dilation.w == 1,
              c.inputChannels * 4 <= width, outputWidth >= width else { return nil }
        return min(c.outputChannels, accumulatorBudget / 4)
    }

    /// Floating-point operations the forward of `c` on `input` does when it runs by
    /// minimal filtering (nil when it does not): 10 multiply-adds per pair of
    /// neighbouring outputs of a row (the last output of an odd row pays a pair's) for
    /// each input channel and each (kd, kh) tap inside the input, where the direct form
    /// does one per tap inside (`usefulFlops`). Below the direct count, and what a rate
    /// must use to be compared with the FMA peak.
    public func winogradFlops(_ c: Conv3DDescriptor, input: Shape) throws -> Double? {
        let output = try c.outputShape(forInput: input)
        guard winogradChannels(c, outputWidth: output[4]) != nil else { return nil }
        let pairs = Double(output[0] * ((output[4] + 1) / 2))   // per row, over the batch
        let rowTaps = Double(c.tapsInside(axis: 0, extent: input[2]) * c.tapsInside(axis: 1, extent: input[3]))
        return 2 * 10 * pairs * rowTaps * Double(c.inputChannels * c.outputChannels)
    }

    /// y = conv(x, w) + bias by `conv3d_forward_winograd`, over x's rows transformed
    /// once (`winograd_input`) and the weights transformed into blocks of `channels`
    /// (`winograd_weights`).
    func forwardWinograd(_ c: Conv3DDescriptor, input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor,
                         channels: Int) throws {
        let x = input.shape, out = output.shape, width = profile.vectorWidth
        let groups = (out[4] + 2 * width - 1) / (2 * width), planes = x[0] * x[1] * x[2]
        let coBlocks = (c.outputChannels + channels - 1) / channels
        let defines = geometryDefines(c) + ["CB=\(channels)"]
        let transformed = try makeTensor(shape: Shape(planes * x[3] * groups * 10 * width))
        try launch("winograd_input", file: "conv3d_winograd", defines: defines, global: [planes], local: [1],
                   [.tensor(input), .tensor(transformed), .int(planes), .int(x[3]), .int(x[4]), .int(groups)])
        let channelPairs = coBlocks * channels * c.inputChannels   // (co, ci), co padded to whole blocks
        let weights = try makeTensor(shape: Shape(channelPairs * c.kernel.d * c.kernel.h * 10))
        try launch("winograd_weights", file: "conv3d_winograd", defines: defines, global: [channelPairs], local: [1],
                   [.tensor(weight), .tensor(weights), .int(c.inputChannels), .int(c.outputChannels), .int(coBlocks)])
        try launch("conv3d_forward_winograd", file: "conv3d_winograd", defines: defines,
                   global: [groups, out[3], out[0] * out[2] * coBlocks], local: [1, 1, 1],
                   [.tensor(transformed), .tensor(weights), .tensor(bias ?? weights), .tensor(output), .int(x[0]),
                    .int(c.inputChannels), .int(c.outputChannels), .int(x[2]), .int(x[3]), .int(groups),
                    .int(out[2]), .int(out[3]), .int(out[4]), .int(bias == nil ? 0 : 1)])
    }
}
