import MCKDEngine

/// Atrous spatial pyramid pooling: parallel branches on the same input (a 1x1 conv,
/// 3x3x3 convs with growing dilation, the image-pooling branch), concatenated along
/// channels and projected by a 1x1 conv -> norm -> act. Each branch is conv -> norm ->
/// act (the reference's); padding = dilation keeps the spatial shape.
public final class ASPP: Layer {
    public let branches: [Layer]
    public let projection: Sequential
    public let dilations: [Int]
    /// Width of every branch and of the output.
    public let channels: Int
    private let backend: any Backend
    private var branchShapes: [Shape] = []

    /// - Parameters:
    ///   - backend: where the parameters and activations live.
    ///   - inputChannels: the input's channels.
    ///   - channels: each branch's and the output's channels.
    ///   - dilations: the 3^3 branches' dilations (padding = dilation).
    ///   - norm: the normalisation after each convolution (instance norm in the models).
    ///   - activation: the activation after each norm (LeakyReLU(0.01) in the models).
    ///   - standardizeWeights: weight-standardised convolutions (the reference's `Conv3d_wd`).
    ///   - name: the parameters' name prefix (checkpoint names).
    ///   - initializer: the seeded generator the weights are drawn from, advanced.
    public init(_ backend: any Backend, inputChannels: Int, channels: Int, dilations: [Int], norm: NormalizationKind,
                activation: ActivationKind, standardizeWeights: Bool, name: String, initializer: inout Initializer) throws {
        self.backend = backend
        self.dilations = dilations
        self.channels = channels
        func convUnit(_ descriptor: Conv3DDescriptor, _ unit: String, initializer: inout Initializer) throws -> Sequential {
            Sequential(try ConvUnit.layers(backend, descriptor, norm: norm, activation: activation, standardizeWeights: standardizeWeights,
                                           name: "\(name).\(unit)", initializer: &initializer))
        }
        var branches: [Layer] = [try convUnit(Conv3DDescriptor(inputChannels: inputChannels, outputChannels: channels, kernel: 1),
                                              "branch1x1", initializer: &initializer)]
        for dilation in dilations {
            let atrous = Conv3DDescriptor(inputChannels: inputChannels, outputChannels: channels, kernel: 3,
                                          padding: VolumeTriple(all: dilation), dilation: VolumeTriple(all: dilation))
            branches.append(try convUnit(atrous, "branchDilation\(dilation)", initializer: &initializer))
        }
        let pooled = Conv3DDescriptor(inputChannels: inputChannels, outputChannels: channels, kernel: 1)
        branches.append(ImagePoolingBranch(backend, unit: try convUnit(pooled, "imagePooling", initializer: &initializer)))
        self.branches = branches
        projection = try convUnit(Conv3DDescriptor(inputChannels: branches.count * channels, outputChannels: channels, kernel: 1),
                                  "projection", initializer: &initializer)
    }

    public var parameters: [Parameter] { branches.flatMap(\.parameters) + projection.parameters }
    public func setTraining(_ training: Bool) {
        branches.forEach { $0.setTraining(training) }
        projection.setTraining(training)
    }

    public var summary: String {
        "ASPP(1x1, 3^3 dilation \(dilations.map(String.init).joined(separator: "/")), image pooling; "
            + "concat -> 1x1 conv \(branches.count * channels)->\(channels))"
    }

    public func outputShape(forInput input: Shape) throws -> Shape {
        let shapes = try branches.map { try $0.outputShape(forInput: input) }
        var dims = shapes[0].dims
        guard shapes.allSatisfy({ Array($0.dims[2...]) == Array(dims[2...]) }) else {
            throw EngineError.shapeMismatch("ASPP branches disagree on the spatial shape: \(shapes)")
        }
        dims[1] = shapes.reduce(0) { $0 + $1[1] }
        return try projection.outputShape(forInput: Shape(dims))
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let outputs = try branches.map { try $0.forward(x) }
        var dims = outputs[0].shape.dims
        dims[1] = outputs.reduce(0) { $0 + $1.shape[1] }
        let concatenated = try backend.makeTensor(shape: Shape(dims))
        try backend.concatChannels(outputs, into: concatenated)
        branchShapes = outputs.map(\.shape)
        return try projection.forward(concatenated)
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard !branchShapes.isEmpty else { throw EngineError.invalidArgument("ASPP: backward called before forward") }
        let gradConcatenated = try projection.backward(gradOutput)
        let gradBranches = try branchShapes.map { try backend.makeTensor(shape: $0) }
        try backend.splitChannels(gradConcatenated, into: gradBranches)
        var gradInput: Tensor? = nil
        for (branch, grad) in zip(branches, gradBranches) {
            let gradBranch = try branch.backward(grad)
            if let gradInput { try backend.axpy(alpha: 1, x: gradBranch, y: gradInput) } else { gradInput = gradBranch }
        }
        return gradInput!
    }
}
