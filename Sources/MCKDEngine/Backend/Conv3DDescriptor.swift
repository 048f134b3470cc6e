/// The geometry of a 3D convolution (and of its transpose): channels, and per-axis
/// (depth, height, width) kernel size, stride, padding and dilation. 2D is depth 1.
///
/// Convolution: output[n, co, o] = bias[co] + sum over ci, k of
///     input[n, ci, o * stride - padding + k * dilation] * weight[co, ci, k]
/// per axis, with taps outside the input reading zero. Output extent per axis:
///     (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1.
///
/// Transposed convolution (the adjoint of the convolution above, as PyTorch's
/// ConvTranspose3d): weight [inputChannels, outputChannels, kd, kh, kw] and per axis
///     output = (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1.
public struct Conv3DDescriptor: Equatable, Hashable, Sendable, CustomStringConvertible {
    public typealias Triple = VolumeTriple

    public var inputChannels: Int
    public var outputChannels: Int
    public var kernel: Triple
    public var stride: Triple
    public var padding: Triple
    public var dilation: Triple
    /// Extra output extent of a transposed convolution (resolves the ambiguity of
    /// strided output sizes); must be smaller than the stride. Ignored
    /// by the ordinary convolution.
    public var outputPadding: Triple

    /// A convolution from `inputChannels` to `outputChannels` channels.
    /// - Parameters:
    ///   - inputChannels: Ci; the transpose's output channels.
    ///   - outputChannels: Co; the transpose's input channels.
    ///   - kernel: taps per axis (D, H, W); an integer literal means the same on all three.
    ///   - stride: step of the window per axis.
    ///   - padding: zeros added on both sides of each axis.
    ///   - dilation: spacing of the taps per axis.
    ///   - outputPadding: the transpose's extra output extent (below the stride).
    public init(inputChannels: Int, outputChannels: Int, kernel: Triple, stride: Triple = 1,
                padding: Triple = 0, dilation: Triple = 1, outputPadding: Triple = 0) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.outputPadding = outputPadding
    }

    public var description: String {
        "conv \(inputChannels)->\(outputChannels) k\(kernel) s\(stride) p\(padding) d\(dilation)"
            + (outputPadding == 0 ? "" : " op\(outputPadding)")
    }

    /// Taps per (input channel, output channel) pair.
    public var taps: Int { kernel.product }

    /// A 1x1x1 convolution with stride 1 and no padding: a matrix product over channels
    /// at each position.
    public var isPointwise: Bool {
        taps == 1 && stride.values == [1, 1, 1] && padding.values == [0, 0, 0]
    }

    /// As a transposed convolution, each input position writes its own block of
    /// outputs and no other position's: kernel equal to the stride, no padding,
    /// dilation or output padding (the decoders' k2 s2 upsampling).
    public var transposeWritesDisjointBlocks: Bool {
        kernel == stride && padding == 0 && dilation == 1 && outputPadding == 0
    }

    /// Convolution weight shape [outputChannels, inputChannels, kd, kh, kw].
    public var weightShape: Shape { Shape(outputChannels, inputChannels, kernel.d, kernel.h, kernel.w) }

    /// Transposed-convolution weight shape [inputChannels, outputChannels, kd, kh, kw].
    public var transposedWeightShape: Shape { Shape(inputChannels, outputChannels, kernel.d, kernel.h, kernel.w) }

    /// Checks the geometry itself (positive sizes, non-negative padding).
    public func validate() throws {
        func fail(_ what: String) -> EngineError { .invalidArgument("\(self): \(what)") }
        guard inputChannels >= 1, outputChannels >= 1 else { throw fail("channel counts must be >= 1") }
        for (name, triple, minimum) in [("kernel", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                                        ("padding", padding, 0), ("outputPadding", outputPadding, 0)] {
            guard triple.values.allSatisfy({ $0 >= minimum }) else { throw fail("\(name) \(triple) must be >= \(minimum) on every axis") }
        }
    }

    /// The convolution's output shape [N, outputChannels, D', H', W'] for an input
    /// [N, inputChannels, D, H, W]; throws if the input does not fit.
    public func outputShape(forInput input: Shape) throws -> Shape {
        try validate()
        guard input.rank == 5, input[1] == inputChannels else {
            throw EngineError.shapeMismatch("\(self) needs an input [N, \(inputChannels), D, H, W], got \(input)")
        }
        var spatial: [Int] = []
        for axis in 0..<3 {
            let reach = dilation.values[axis] * (kernel.values[axis] - 1) + 1
            let room = input[2 + axis] + 2 * padding.values[axis] - reach
            guard room >= 0 else {
                throw EngineError.shapeMismatch("\(self): input \(input) is smaller than the dilated kernel (extent \(reach)) plus padding on axis \(axis)")
            }
            spatial.append(room / stride.values[axis] + 1)
        }
        return Shape([input[0], outputChannels] + spatial)
    }

    /// The transposed convolution's output shape [N, outputChannels, D', H', W'] for an
    /// input [N, inputChannels, D, H, W].
    public func transposedOutputShape(forInput input: Shape) throws -> Shape {
        try validate()
        guard input.rank == 5, input[1] == inputChannels else {
            throw EngineError.shapeMismatch("transposed \(self) needs an input [N, \(inputChannels), D, H, W], got \(input)")
        }
        var spatial: [Int] = []
        for axis in 0..<3 {
            let s = stride.values[axis], d = dilation.values[axis], p = outputPadding.values[axis]
            // Smaller than the stride, so the adjoint convolution maps the output back onto the input.
            guard p < s else {
                throw EngineError.invalidArgument("transposed \(self): outputPadding must be smaller than the stride on axis \(axis)")
            }
            let extent = (input[2 + axis] - 1) * s - 2 * padding.values[axis] + d * (kernel.values[axis] - 1) + p + 1
            guard extent >= 1 else {
                throw EngineError.shapeMismatch("transposed \(self): input \(input) gives an empty output on axis \(axis)")
            }
            spatial.append(extent)
        }
        return Shape([input[0], outputChannels] + spatial)
    }

    /// The convolution seen from the other side: the transposed convolution with this
    /// descriptor is the adjoint of the ordinary convolution with the swapped channels
    /// (and the same weight tensor, whose layout [Ci_t, Co_t, k] is [Co, Ci, k] there).
    public var adjoint: Conv3DDescriptor {
        Conv3DDescriptor(inputChannels: outputChannels, outputChannels: inputChannels, kernel: kernel,
                         stride: stride, padding: padding, dilation: dilation)
    }

    /// Floating-point operations of the convolution's forward pass (2 per multiply-add)
    /// for the given output shape; backward-data and backward-filter cost the same.
    public func flops(output: Shape) -> Double {
        2 * Double(output.count) * Double(inputChannels) * Double(taps)
    }

    /// Floating-point operations the forward pass must do for an input of this shape:
    /// only the multiply-adds whose tap lands inside the input (padding adds zeros, and
    /// kernels, ours and PyTorch's, skip much of it). On padded, strided or dilated
    /// layers this is less than `flops(output:)` (the ASPP's dilation-4 3^3 at 5^3: 10%),
    /// and it is the count a rate must use to be compared with the FMA peak.
    public func usefulFlops(input: Shape) -> Double {
        let inside = (0..<3).reduce(1.0) { $0 * Double(tapsInside(axis: $1, extent: input[2 + $1])) }
        return 2 * Double(input[0]) * Double(inputChannels) * Double(outputChannels) * inside
    }

    /// Along one axis (0: D, 1: H, 2: W) of an input `extent` long, the taps that land
    /// inside it, summed over the output positions; a volume's count is the product.
    public func tapsInside(axis: Int, extent: Int) -> Int {
        let (k, s, p, d) = (kernel.values[axis], stride.values[axis], padding.values[axis], dilation.values[axis])
        let outputs = (extent + 2 * p - d * (k - 1) - 1) / s + 1
        var inside = 0
        for o in 0..<max(0, outputs) {
            for tap in 0..<k where (0..<extent).contains(o * s - p + tap * d) { inside += 1 }
        }
        return inside
    }

    /// Throws unless (input, weight, output) fit this convolution.
    func check(input: Shape, weight: Shape, output: Shape, op: String) throws {
        let expected = try outputShape(forInput: input)
        guard weight == weightShape else {
            throw EngineError.shapeMismatch("\(op) \(self): weight must be \(weightShape), got \(weight)")
        }
        guard output == expected else {
            throw EngineError.shapeMismatch("\(op) \(self): input \(input) gives output \(expected), got \(output)")
        }
    }

    /// Throws unless the bias (if any) has one value per output channel.
    func check(bias: Shape?, op: String) throws {
        if let bias, bias != Shape(outputChannels) {
            throw EngineError.shapeMismatch("\(op) \(self): bias must be [\(outputChannels)], got \(bias)")
        }
    }

    /// Throws unless (input, weight, output) fit the transposed convolution.
    func checkTransposed(input: Shape, weight: Shape, output: Shape, op: String) throws {
        let expected = try transposedOutputShape(forInput: input)
        guard weight == transposedWeightShape else {
            throw EngineError.shapeMismatch("\(op) transposed \(self): weight must be \(transposedWeightShape), got \(weight)")
        }
        guard output == expected else {
            throw EngineError.shapeMismatch("\(op) transposed \(self): input \(input) gives output \(expected), got \(output)")
        }
    }

    /// Throws unless the tensor has the shape weight standardisation works on: one
    /// slice per output channel (rank >= 2), and a usable eps.
    static func checkStandardization(_ shapes: [Shape], op: String, eps: Float) throws {
        guard eps >= 0, eps.isFinite else { throw EngineError.invalidArgument("\(op): eps must be finite and >= 0, got \(eps)") }
        guard shapes[0].rank >= 2, shapes.allSatisfy({ $0 == shapes[0] }) else {
            throw EngineError.shapeMismatch("\(op): needs equal shapes of rank >= 2 [Co, ...], got \(shapes.map(\.description).joined(separator: " vs "))")
        }
    }
}
