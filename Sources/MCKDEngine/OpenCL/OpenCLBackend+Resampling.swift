extension OpenCLBackend {
    public func upsampleForward(_ mode: UpsamplingMode, scale: VolumeTriple, x: Tensor, into y: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: x, output: y, op: "upsample \(mode.rawValue)")
        try launch("upsample_\(mode.rawValue)_forward", file: "resampling", defines: scaleDefines(scale), global: [g.output.w, g.output.h, g.volumes * g.output.d],
                   local: Self.volumeLocalSize, [.tensor(x), .tensor(y)] + sizes(g))
    }

    public func upsampleBackward(_ mode: UpsamplingMode, scale: VolumeTriple, gradOutput: Tensor, into gradInput: Tensor) throws {
        let g = try UpsampleGeometry(scale: scale, input: gradInput, output: gradOutput, op: "upsample \(mode.rawValue) backward")
        if mode == .trilinear { return try separableLinearBackward(g, gradOutput: gradOutput, into: gradInput) }
        try launch("upsample_\(mode.rawValue)_backward", file: "resampling", defines: scaleDefines(scale), global: [g.input.w, g.input.h, g.volumes * g.input.d],
                   local: Self.volumeLocalSize, [.tensor(gradOutput), .tensor(gradInput)] + sizes(g))
    }

    private func scaleDefines(_ s: VolumeTriple) -> [String] { ["SD=\(s.d)", "SH=\(s.h)", "SW=\(s.w)"] }

    private func sizes(_ g: UpsampleGeometry) -> [KernelArgument] {
        [.int(g.volumes), .int(g.input.d), .int(g.input.h), .int(g.input.w),
         .float(UpsampleGeometry.ratio(input: g.input.d, output: g.output.d)),
         .float(UpsampleGeometry.ratio(input: g.input.h, output: g.output.h)),
         .float(UpsampleGeometry.ratio(input: g.input.w, output: g.output.w))]
    }

    /// The transpose of the interpolation along W, then H, then D, skipping axes with scale
    /// 1 (exactly the identity); intermediates come from the pool.
    private func separableLinearBackward(_ g: UpsampleGeometry, gradOutput: Tensor, into gradInput: Tensor) throws {
        let (i, o, v) = (g.input, g.output, g.volumes)
        // (outer, inputs, outputs, inner) of each pass, given the passes before it ran.
        let passes = [(v * o.d * o.h, i.w, o.w, 1), (v * o.d, i.h, o.h, i.w), (v, i.d, o.d, i.h * i.w)]
            .filter { $0.1 != $0.2 }
        guard !passes.isEmpty else { return try copy(gradOutput, to: gradInput) }
        var source = gradOutput
        for (k, (outer, inputs, outputs, inner)) in passes.enumerated() {
            let target = k == passes.count - 1 ? gradInput : try makeTensor(shape: Shape(outer * inputs * inner))
            let ratio = UpsampleGeometry.ratio(input: inputs, output: outputs)
            if inner == 1 {
                try launch("linear_backward_last_axis", file: "resampling", defines: scaleDefines(VolumeTriple(all: 1)),
                           global: [inputs, outer], local: [16, 1],
                           [.tensor(source), .tensor(target), .int(outer), .int(inputs), .int(outputs), .float(ratio)])
            } else {
                try launch("linear_backward_axis", file: "resampling", defines: scaleDefines(VolumeTriple(all: 1)),
                           global: [inner, inputs, outer], local: Self.volumeLocalSize,
                           [.tensor(source), .tensor(target), .int(outer), .int(inputs), .int(outputs), .int(inner), .float(ratio)])
            }
            source = target
        }
    }
}
