import MCKDEngine

/// Builds the paper model's shared encoder (method.md section 7): a 3D ResNet-50 with
/// layer4 narrowed to 320 planes, a 1x1 conv to 256 channels and an ASPP, as the
/// five levels of a SharedEncoder:
///   stem   conv 7^3 stride (1,2,2) -> norm -> act             (skip, 64 channels)
///   layer1 max-pool 3^3 stride 2, 3 bottlenecks of 64 planes   (skip, 256)
///   layer2 4 bottlenecks of 128 planes, stride 2               (skip, 512)
///   layer3 6 bottlenecks of 256 planes, stride 2               (skip, 1024)
///   layer4 3 bottlenecks of 320 planes, stride 2 (1280 out), 1x1 conv -> norm -> act to 256, ASPP (bottleneck, 256)
/// For an 80x160x160 crop: 80^3, 40^3, 20^3, 10^3 and 5^3.
enum PaperEncoderBuilder {
    static func make(_ backend: any Backend, layout: PaperModelLayout, norm: NormalizationKind, activation: ActivationKind, standardizeWeights: Bool,
                     initializer: inout Initializer) throws -> SharedEncoder {
        typealias Layout = PaperModelLayout
        let bottleneckChannels = layout.bottleneckChannels
        func convUnit(_ descriptor: Conv3DDescriptor, _ name: String, initializer: inout Initializer) throws -> [Layer] {
            try ConvUnit.layers(backend, descriptor, norm: norm, activation: activation, standardizeWeights: standardizeWeights,
                                name: name, initializer: &initializer)
        }
        let stem = Conv3DDescriptor(inputChannels: 1, outputChannels: layout.stemChannels, kernel: VolumeTriple(all: Layout.stemKernel),
                                    stride: Layout.stemStride, padding: VolumeTriple(all: Layout.stemKernel / 2))
        var levels = [Sequential(try convUnit(stem, "encoder.stem", initializer: &initializer))]
        var descriptions = [(name: "stem", layers: "conv \(Layout.stemKernel)^3 stride \(stem.stride) 1->\(stem.outputChannels) + norm + act")]

        let pool = MaxPool3d(backend, PoolingDescriptor(kernel: 3, stride: 2, padding: 1))
        var inputChannels = layout.stemChannels
        for (index, (blockCount, planes)) in zip(Layout.blocks, layout.planes).enumerated() {
            let name = "encoder.layer\(index + 1)"
            var layers: [Layer] = index == 0 ? [pool] : []
            for block in 0..<blockCount {
                layers.append(try Bottleneck(backend, inputChannels: inputChannels, planes: planes,
                                             stride: block == 0 ? Layout.strides[index] : 1, norm: norm, activation: activation,
                                             standardizeWeights: standardizeWeights, name: "\(name).block\(block)", initializer: &initializer))
                inputChannels = planes * Bottleneck.expansion
            }
            var description = (index == 0 ? "\(pool.summary), " : "")
                + "\(blockCount) x bottleneck(\(planes) planes -> \(inputChannels); first: stride \(Layout.strides[index]), projection)"
            if index == Layout.blocks.count - 1 {
                let reduce = Conv3DDescriptor(inputChannels: inputChannels, outputChannels: bottleneckChannels, kernel: 1)
                let unit = try convUnit(reduce, "encoder.reduce", initializer: &initializer)
                let aspp = try ASPP(backend, inputChannels: bottleneckChannels, channels: bottleneckChannels,
                                    dilations: Layout.asppDilations, norm: norm, activation: activation,
                                    standardizeWeights: standardizeWeights, name: "encoder.aspp", initializer: &initializer)
                layers += unit + [aspp]
                description += ", 1x1 conv \(inputChannels)->\(bottleneckChannels), \(aspp.summary)"
            }
            levels.append(Sequential(layers))
            descriptions.append((name: index == Layout.blocks.count - 1 ? "layer4 + ASPP" : "layer\(index + 1)", layers: description))
        }
        return try SharedEncoder(levels: levels, descriptions: descriptions)
    }
}
