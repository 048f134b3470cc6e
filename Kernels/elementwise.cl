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
