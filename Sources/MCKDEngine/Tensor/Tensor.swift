/// Memory owned by one backend: host memory for the CPU reference, a device
/// buffer for OpenCL. Released (or returned to a pool) when the last tensor using it goes.
public protocol TensorStorage: AnyObject {
    var byteCount: Int { get }
}

/// A contiguous float tensor (row-major, NCDHW for volumes) living on one backend.
///
/// Creating a tensor from host values and reading it back are explicit backend
/// calls; they are the only transfers between host and device.
public final class Tensor {
    public let shape: Shape
    public let backend: any Backend
    let storage: TensorStorage

    init(shape: Shape, backend: any Backend, storage: TensorStorage) {
        self.shape = shape
        self.backend = backend
        self.storage = storage
    }

    public var count: Int { shape.count }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor(\(shape) on \(backend.name))" }
}

extension Tensor {
    /// The same storage seen with another shape of equal element count (no copy),
    /// e.g. [N, M, D, H, W] as [N*M, 1, D, H, W].
    public func reshaped(_ newShape: Shape) throws -> Tensor {
        guard newShape.count == count else {
            throw EngineError.shapeMismatch("cannot view \(shape) (\(count) elements) as \(newShape) (\(newShape.count))")
        }
        return Tensor(shape: newShape, backend: backend, storage: storage)
    }
}
