/// Throws unless every tensor has the same shape (elementwise ops need it).
func requireSameShape(_ tensors: Tensor..., op: String) throws {
    let shape = tensors[0].shape
    for tensor in tensors.dropFirst() where tensor.shape != shape {
        throw EngineError.shapeMismatch("\(op): \(tensors.map { $0.shape.description }.joined(separator: " vs "))")
    }
}
