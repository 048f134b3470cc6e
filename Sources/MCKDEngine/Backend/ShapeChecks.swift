/// Throws unless every tensor has the same shape (elementwise ops need it).
func requireSameShape(_ tensors: Tensor..., op: String) throws {
    let shape = tensors[0].shape
    for tensor in tensors.dropFirst() where tensor.shape != shape {
        throw EngineError.shapeMismatch("\(op): \(tensors.map { $0.shape.description }.joined(separator: " vs "))")
    }
}

/// Throws unless `out` is `x` with `axis` collapsed to 1.
func validateReduction(of x: Tensor, along axis: Int, into out: Tensor) throws {
    guard axis >= 0 && axis < x.shape.rank else {
        throw EngineError.invalidArgument("reduce axis \(axis) for \(x.shape)")
    }
    guard out.shape == x.shape.reduced(along: axis) else {
        throw EngineError.shapeMismatch("reducing \(x.shape) along axis \(axis) gives \(x.shape.reduced(along: axis)), output is \(out.shape)")
    }
}

/// Throws unless `out` holds exactly one element.
func validateReduceAll(into out: Tensor) throws {
    guard out.count == 1 else {
        throw EngineError.shapeMismatch("reduceAll writes one element, output is \(out.shape)")
    }
}
