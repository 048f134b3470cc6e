/// The extent of a tensor along each axis, outermost first (NCDHW for volumes).
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public let dims: [Int]

    /// Creates a shape; every extent must be at least 1.
    public init(_ dims: [Int]) {
        precondition(!dims.isEmpty && dims.allSatisfy { $0 >= 1 }, "shape extents must be >= 1, got \(dims)")
        self.dims = dims
    }

    public init(_ dims: Int...) { self.init(dims) }
    public init(arrayLiteral dims: Int...) { self.init(dims) }

    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    public subscript(axis: Int) -> Int { dims[axis] }

    /// Splits the shape around `axis` into (elements before, extent, elements after),
    /// the view every axis reduction works on.
    public func split(at axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        precondition(axis >= 0 && axis < rank, "axis \(axis) out of range for \(self)")
        let outer = dims[..<axis].reduce(1, *)
        let inner = dims[(axis + 1)...].reduce(1, *)
        return (outer, dims[axis], inner)
    }

    /// The shape with `axis` collapsed to extent 1 (keeps the rank).
    public func reduced(along axis: Int) -> Shape {
        var reducedDims = dims
        reducedDims[axis] = 1
        return Shape(reducedDims)
    }

    public var description: String { dims.map(String.init).joined(separator: "x") }
}
