// Optimiser updates in place, one work-item per element (PyTorch semantics).

// SGD with momentum (dampening 0), optional Nesterov and L2 weight decay.
__kernel void sgd_step(__global float* param, __global const float* grad, __global float* buf,
                       const int count, const float lr, const float momentum, const float weight_decay,
                       const int nesterov) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float p = param[i];
    // Skipped when zero, like PyTorch (an Inf parameter must not turn g into NaN).
    const float g = weight_decay != 0.0f ? grad[i] + weight_decay * p : grad[i];
    const float b = momentum * buf[i] + g;
    buf[i] = b;
    param[i] = p - lr * (nesterov ? g + momentum * b : b);
}

// Adam (L2 in the gradient) or AdamW (decoupled decay) with bias correction:
// step_size = lr / (1 - beta1^t) and correction2 = sqrt(1 - beta2^t) come from the host.
__kernel void adam_step(__global float* param, __global const float* grad,
                        __global float* first_moment, __global float* second_moment, const int count,
                        const float lr, const float beta1, const float beta2, const float epsilon,
                        const float weight_decay, const int decoupled,
                        const float step_size, const float correction2) {
    const int i = get_global_id(0);
    if (i >= count) return;
    float p = param[i], g = grad[i];
    if (decoupled) p *= 1.0f - lr * weight_decay;
    else if (weight_decay != 0.0f) g += weight_decay * p;
    const float m = beta1 * first_moment[i] + (1.0f - beta1) * g;
    const float v = beta2 * second_moment[i] + (1.0f - beta2) * g * g;
    first_moment[i] = m;
    second_moment[i] = v;
    param[i] = p - step_size * m / (sqrt(v) / correction2 + epsilon);
}
