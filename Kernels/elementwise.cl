// Elementwise kernels: one work-item per element, launched 1D with an explicit
// local size; the guard handles a global size rounded up past n.

__kernel void fill(__global float* out, const int n, const float value) {
    const int i = get_global_id(0);
    if (i < n) out[i] = value;
}

__kernel void copy(__global const float* x, __global float* out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = x[i];
}

// out = alpha * x
__kernel void scale(__global const float* x, __global float* out, const int n, const float alpha) {
    const int i = get_global_id(0);
    if (i < n) out[i] = alpha * x[i];
}

// y += alpha * x
__kernel void axpy(__global const float* x, __global float* y, const int n, const float alpha) {
    const int i = get_global_id(0);
    if (i < n) y[i] += alpha * x[i];
}

#define BINARY_KERNEL(NAME, EXPR)                                                        \
    __kernel void NAME(__global const float* a, __global const float* b,                 \
                       __global float* out, const int n) {                               \
        const int i = get_global_id(0);                                                  \
        if (i < n) { const float x = a[i], y = b[i]; out[i] = (EXPR); }                  \
    }

BINARY_KERNEL(binary_add, x + y)
BINARY_KERNEL(binary_sub, x - y)
BINARY_KERNEL(binary_mul, x * y)

// Stable logistic: exp is only taken of a non-positive number.
static inline float stable_sigmoid(const float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    const float e = exp(x);
    return e / (1.0f + e);
}

#define UNARY_KERNEL(NAME, EXPR)                                                         \
    __kernel void NAME(__global const float* in, __global float* out, const int n) {     \
        const int i = get_global_id(0);                                                  \
        if (i < n) { const float x = in[i]; out[i] = (EXPR); }                           \
    }

UNARY_KERNEL(unary_neg, -x)
UNARY_KERNEL(unary_abs, fabs(x))
UNARY_KERNEL(unary_square, x * x)
UNARY_KERNEL(unary_sqrt, sqrt(x))
UNARY_KERNEL(unary_exp, exp(x))
UNARY_KERNEL(unary_log, log(x))
// Written so NaN passes through (fmax would turn it into 0).
UNARY_KERNEL(unary_relu, (x > 0.0f || isnan(x)) ? x : 0.0f)
UNARY_KERNEL(unary_sigmoid, stable_sigmoid(x))
UNARY_KERNEL(unary_tanh, tanh(x))
UNARY_KERNEL(unary_reciprocal, 1.0f / x)
