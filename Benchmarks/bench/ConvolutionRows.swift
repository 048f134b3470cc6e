import MCKDEngine

/// Convolution rows: forward, backward-data and backward-filter of the small model's
/// 3x3x3 layers, the paper model's strided, dilated, 7^3 and 1x1 layers, and the
/// decoders' transposed k2 s2 convolutions.
enum ConvolutionRows {
    struct Case {
        var label: String
        var descriptor: Conv3DDescriptor
        var input: Shape
        var transposed = false
    }

    static func cases(quick: Bool) -> [Case] {
        func cube(_ c: Int, _ s: Int) -> Shape { Shape(1, c, s, s, s) }
        func conv3(_ cin: Int, _ cout: Int) -> Conv3DDescriptor {
            Conv3DDescriptor(inputChannels: cin, outputChannels: cout, kernel: 3, padding: 1)
        }
        if quick {
            return [Case(label: "C4@8^3", descriptor: conv3(4, 4), input: cube(4, 8)),
                    Case(label: "k2s2 8->4 @4^3", descriptor: Conv3DDescriptor(inputChannels: 8, outputChannels: 4, kernel: 2, stride: 2),
                         input: cube(8, 4), transposed: true)]
        }
        return [
            Case(label: "C32@32^3", descriptor: conv3(32, 32), input: cube(32, 32)),
            Case(label: "C64@16^3", descriptor: conv3(64, 64), input: cube(64, 16)),
            Case(label: "C16@64^3", descriptor: conv3(16, 16), input: cube(16, 64)),
            Case(label: "C1->16@64^3", descriptor: conv3(1, 16), input: cube(1, 64)),
            // The paper model at its 32x64x64 step crop (stem, a layer-2 stride, a
            // bottleneck 1x1) and its ASPP at the 80x160x160 crop's 5^3 bottleneck.
            Case(label: "stem 7^3 s(1,2,2) 1->64",
                 descriptor: Conv3DDescriptor(inputChannels: 1, outputChannels: 64, kernel: 7, stride: VolumeTriple(1, 2, 2), padding: 3),
                 input: Shape(1, 1, 32, 64, 64)),
            Case(label: "3^3 s2 128@16^3",
                 descriptor: Conv3DDescriptor(inputChannels: 128, outputChannels: 128, kernel: 3, stride: 2, padding: 1),
                 input: cube(128, 16)),
            Case(label: "1^3 256->64 @16^3", descriptor: Conv3DDescriptor(inputChannels: 256, outputChannels: 64, kernel: 1),
                 input: cube(256, 16)),
            Case(label: "ASPP 3^3 dil2 256@5^3",
                 descriptor: Conv3DDescriptor(inputChannels: 256, outputChannels: 256, kernel: 3, padding: 2, dilation: 2),
                 input: cube(256, 5)),
            Case(label: "ASPP 3^3 dil4 256@5^3",
                 descriptor: Conv3DDescriptor(inputChannels: 256, outputChannels: 256, kernel: 3, padding: 4, dilation: 4),
                 input: cube(256, 5)),
            Case(label: "k2s2 128->16 @16^3", descriptor: Conv3DDescriptor(inputChannels: 128, outputChannels: 16, kernel: 2, stride: 2),
                 input: cube(128, 16), transposed: true),
            Case(label: "k2s2 1024->256 @5^3", descriptor: Conv3DDescriptor(inputChannels: 1024, outputChannels: 256, kernel: 2, stride: 2),
                 input: cube(1024, 5), transposed: true),
        ]
    }

    static func run(_ backend: any Backend, quick: Bool, repeats: Int, report: inout BenchReport) throws {
        for item in cases(quick: quick) {
            let prefix = item.transposed ? "convT" : "conv3d"
            // No tensors made, no fills, for a case `--rows` leaves out.
            guard ["fwd", "bwd-data", "bwd-filter"].contains(where: { report.wants("\(prefix) \($0) \(item.label)") }) else { continue }
            let d = item.descriptor
            let outputShape = item.transposed ? try d.transposedOutputShape(forInput: item.input) : try d.outputShape(forInput: item.input)
            let weightShape = item.transposed ? d.transposedWeightShape : d.weightShape
            let x = try backend.makeTensor(shape: item.input), w = try backend.makeTensor(shape: weightShape)
            let y = try backend.makeTensor(shape: outputShape)
            for (stream, tensor) in [x, w, y].enumerated() {
                try backend.fillRandom(tensor, .uniform(low: -1, high: 1), seed: 4, stream: UInt64(stream))
            }
            let dx = try backend.makeTensor(shape: item.input), dw = try backend.makeTensor(shape: weightShape)
            // Multiply-adds with a real input value (taps in the padding do no work); a
            // transposed convolution costs what its adjoint ordinary convolution costs.
            let flops = item.transposed ? d.adjoint.usefulFlops(input: outputShape) : d.usefulFlops(input: item.input)
            let twinPrefix = item.transposed ? "conv_transpose3d" : "conv3d"
            let passes: [(String, String, () throws -> Void)] = item.transposed
                ? [("fwd", "forward", { try backend.convTranspose3dForward(d, input: x, weight: w, bias: nil, into: y) }),
                   ("bwd-data", "backward_data", { try backend.convTranspose3dBackwardData(d, gradOutput: y, weight: w, into: dx) }),
                   ("bwd-filter", "backward_filter", {
                       try backend.convTranspose3dBackwardFilter(d, input: x, gradOutput: y, into: dw, gradBias: nil)
                   })]
                : [("fwd", "forward", { try backend.conv3dForward(d, input: x, weight: w, bias: nil, into: y) }),
                   ("bwd-data", "backward_data", { try backend.conv3dBackwardData(d, gradOutput: y, weight: w, into: dx) }),
                   ("bwd-filter", "backward_filter", {
                       try backend.conv3dBackwardFilter(d, input: x, gradOutput: y, into: dw, gradBias: nil)
                   })]
            // A forward by minimal filtering does fewer multiplies than the twin's direct one:
            // each side's rate counts its own (the time ratio is the comparison).
            let minimalFiltering = item.transposed ? nil : try (backend as? OpenCLBackend)?.winogradFlops(d, input: item.input)
            for (pass, twinPass, body) in passes {
                let fewer = pass == "fwd" ? minimalFiltering : nil
                try report.addCompute("kernels", "\(prefix) \(pass) \(item.label)", shape: "\(d)", flops: fewer ?? flops,
                                  seconds: try backend.bestTime(repeats: repeats, body),
                                  twin: .convolution("\(twinPrefix)_\(twinPass)", d, input: item.input),
                                  twinFlops: fewer.map { _ in flops })
            }
            if let device = backend as? OpenCLBackend, device.deviceClass == .cpu {
                // Each pass again with the tiling its shape did not choose (CPU family only). A transposed
                // convolution runs its adjoint's kernels: gather, forward, filter gradient.
                let (conv, inShape, outShape) = item.transposed ? (d.adjoint, outputShape, item.input) : (d, item.input, outputShape)
                let kinds: [ConvolutionPass] = item.transposed ? [.gather, .forward, .filterGradient] : [.forward, .gather, .filterGradient]
                // The filter gradient has one kernel (no tiling to compare).
                for (index, kind) in kinds.enumerated() where kind != .filterGradient {
                    let chosen = device.tiling(kind, conv, input: inShape, output: outShape)
                    try otherTiling(device, label: "\(prefix) \(passes[index].0) \(item.label)", shape: "\(d)", chosen: chosen,
                                    flops: flops, repeats: repeats, report: &report, passes[index].2)
                }
            }
        }
    }

    /// A pass again with the tiling its shape did not choose, so the bench shows what
    /// the choice (`OpenCLBackend.tiling(_:_:input:output:)`) gains.
    static func otherTiling(_ device: OpenCLBackend, label: String, shape: String, chosen: ConvolutionTiling, flops: Double,
                            repeats: Int, report: inout BenchReport, _ pass: () throws -> Void) throws {
        let other: ConvolutionTiling = chosen == .positionTiles ? .rowSegments : .positionTiles
        device.convolutionTiling = other
        defer { device.convolutionTiling = .automatic }
        try report.addCompute("kernels", "\(label) (\(other.rawValue), not chosen)", shape: shape, flops: flops,
                          seconds: try device.bestTime(repeats: repeats, pass))
    }
}
