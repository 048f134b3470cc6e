/// Optimiser updates, in place on the parameter and its state tensors (all of one shape).
/// The gradient is only read. Elementwise, so every element is independent and the
/// result does not depend on the launch configuration.
public protocol OptimizerOps: AnyObject {
    /// One SGD step (see `SGDSettings` for the formulas). parameter, gradient,
    /// momentumBuffer: same shape; parameter and momentumBuffer are updated in place.
    func sgdStep(_ settings: SGDSettings, learningRate: Float, parameter: Tensor, gradient: Tensor,
                 momentumBuffer: Tensor) throws

    /// One Adam or AdamW step (see `AdamSettings`); `step` is the 1-based step count used by
    /// the bias corrections. parameter, gradient, firstMoment, secondMoment: same shape;
    /// parameter and both moments are updated in place.
    func adamStep(_ settings: AdamSettings, learningRate: Float, step: Int, parameter: Tensor, gradient: Tensor,
                  firstMoment: Tensor, secondMoment: Tensor) throws
}
