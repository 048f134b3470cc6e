import RealModule

/// The float types the CPU reference runs in: Float for training, Double for
/// finite-difference gradient checks, where Float's rounding would swamp the check.
public protocol ReferenceScalar: BinaryFloatingPoint, Real, Sendable {}
extension Float: ReferenceScalar {}
extension Double: ReferenceScalar {}
