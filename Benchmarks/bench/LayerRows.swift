import MCKDEngine

/// The memory-bound layer ops at the small model's shapes (64^3 crop, batch 2, 4
/// modalities: 8 encoder volumes): instance and batch norm, LeakyReLU, and the
/// modality-weighted KD loss on the bottleneck. Bytes count each tensor the op must
/// read or write once (statistics passes that re-read are the kernel's own cost).
enum LayerRows {
    static func run(_ backend: any Backend, quick: Bool, repeats: Int, report: inout BenchReport) throws {
        let activations = quick ? Shape(2, 4, 8, 8, 8) : Shape(8, 8, 64, 64, 64)
        let x = try backend.makeTensor(shape: activations), y = try backend.makeTensor(shape: activations)
        let gradOutput = try backend.makeTensor(shape: activations), gradInput = try backend.makeTensor(shape: activations)
        try backend.fillRandom(x, .normal(mean: 0, standardDeviation: 1), seed: 5, stream: 0)
        try backend.fillRandom(gradOutput, .normal(mean: 0, standardDeviation: 1), seed: 5, stream: 1)
        let bytes = Double(activations.count * 4)
        let shape = activations.dims.map(String.init).joined(separator: "x")
        let twin = TwinSpec(op: "", shapes: ["input": activations.dims], options: ["slope": 0.01])

        for kind in [NormalizationKind.instance, .batch] {
            let descriptor = NormalizationDescriptor(kind)
            let channels = activations[1]
            let gamma = try backend.makeTensor(shape: [channels]), beta = try backend.makeTensor(shape: [channels])
            try backend.fill(gamma, with: 1)
            try backend.fill(beta, with: 0)
            let statistics = try descriptor.statisticCount(for: activations)
            let mean = try backend.makeTensor(shape: [statistics]), invStd = try backend.makeTensor(shape: [statistics])
            let runningMean = try backend.makeTensor(shape: [channels]), runningVariance = try backend.makeTensor(shape: [channels])
            try backend.fill(runningVariance, with: 1)
            let gradGamma = try backend.makeTensor(shape: [channels]), gradBeta = try backend.makeTensor(shape: [channels])
            let name = kind == .instance ? "instance norm" : "batch norm"
            let twinName = kind == .instance ? "instance_norm" : "batch_norm"
            try report.addMemory("kernels", "\(name) fwd", shape: shape, bytes: 2 * bytes,
                             seconds: try backend.bestTime(repeats: repeats) {
                                 try backend.normalizationForward(descriptor, x: x, gamma: gamma, beta: beta,
                                                                  runningMean: runningMean, runningVariance: runningVariance,
                                                                  into: y, savedMean: mean, savedInvStd: invStd)
                             }, twin: renamed(twin, "\(twinName)_forward"))
            try report.addMemory("kernels", "\(name) bwd", shape: shape, bytes: 3 * bytes,
                             seconds: try backend.bestTime(repeats: repeats) {
                                 try backend.normalizationBackward(descriptor, x: x, gradOutput: gradOutput, gamma: gamma,
                                                                   savedMean: mean, savedInvStd: invStd,
                                                                   gradInput: gradInput, gradGamma: gradGamma, gradBeta: gradBeta)
                             }, twin: renamed(twin, "\(twinName)_backward"))
        }

        let leaky = ActivationKind.leakyReLU(slope: 0.01)
        try report.addMemory("kernels", "LeakyReLU fwd", shape: shape, bytes: 2 * bytes,
                         seconds: try backend.bestTime(repeats: repeats) { try backend.activationForward(leaky, x: x, into: y) },
                         twin: renamed(twin, "leaky_relu_forward"))
        try report.addMemory("kernels", "LeakyReLU bwd", shape: shape, bytes: 3 * bytes,
                         seconds: try backend.bestTime(repeats: repeats) {
                             try backend.activationBackward(leaky, x: x, y: y, gradOutput: gradOutput, into: gradInput)
                         }, twin: renamed(twin, "leaky_relu_backward"))

        // The KD loss and its student gradient on the small model's bottleneck
        // (batch 2 x 4 modalities, 32 channels at 16^3), every modality available.
        let modalities = 4
        let features = quick ? Shape(2 * modalities, 4, 4, 4, 4) : Shape(2 * modalities, 32, 16, 16, 16)
        let f = try backend.makeTensor(shape: features), gradF = try backend.makeTensor(shape: features)
        try backend.fillRandom(f, .normal(mean: 0, standardDeviation: 1), seed: 6, stream: 0)
        let theta = try backend.makeTensor(shape: [modalities])
        try backend.fillRandom(theta, .uniform(low: 0, high: 1), seed: 6, stream: 1)
        let loss = try backend.makeTensor(shape: [1]), distances = try backend.makeTensor(shape: [modalities, modalities])
        let kd = DistillationDescriptor(available: Array(repeating: true, count: modalities))
        try report.addMemory("kernels", "KD loss L1 fwd+grad", shape: features.dims.map(String.init).joined(separator: "x"),
                         bytes: 2 * Double(features.count * 4),
                         seconds: try backend.bestTime(repeats: repeats) {
                             try backend.modalityWeightedDistillation(kd, features: f, thetaW: theta, loss: loss,
                                                                      distances: distances, gradFeatures: gradF)
                         }, twin: TwinSpec(op: "kd_l1_forward_backward", shapes: ["features": features.dims],
                                           options: ["modalities": Double(modalities)]))
    }

    private static func renamed(_ spec: TwinSpec, _ op: String) -> TwinSpec {
        var copy = spec
        copy.op = op
        return copy
    }
}
