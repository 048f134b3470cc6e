import MCKDEngine

/// conv -> norm -> activation, the unit the paper model is built from (method.md section 7:
/// every conv but the transposed convs and the classifier is followed by norm and act).
/// Parameters are named NAME.conv.* and NAME.norm.*.
enum ConvUnit {
    static func layers(_ backend: any Backend, _ descriptor: Conv3DDescriptor, norm: NormalizationKind, activation: ActivationKind,
                       standardizeWeights: Bool, name: String, initializer: inout Initializer) throws -> [Layer] {
        [try Conv3d(backend, descriptor, standardizeWeights: standardizeWeights, name: "\(name).conv", initializer: &initializer),
         try Normalization(backend, norm, channels: descriptor.outputChannels, name: "\(name).norm"),
         Activation(backend, activation, inPlace: true)]
    }
}
