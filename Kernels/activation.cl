// Activations, channel softmax and dropout. Elementwise kernels take one work-item per
// element; softmax takes one work-item per (sample, voxel) column and walks the
// channels, which sit `inner` elements apart (neighbouring work-items read neighbours).

// slope 0 is ReLU: negative inputs (-inf included) give exactly 0. NaN passes through.
__kernel void leaky_relu_forward(__global const float* x, __global float* y, const int n, const float slope) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = x[i];
    y[i] = (v > 0.0f || isnan(v)) ? v : (slope == 0.0f ? 0.0f : slope * v);
}

// The derivative at 0 comes from the negative side; a NaN input gives a NaN gradient.
__kernel void leaky_relu_backward(__global const float* x, __global const float* g, __global float* gi,
                                  const int n, const float slope) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = x[i];
    gi[i] = v > 0.0f ? g[i] : (isnan(v) ? v : (slope == 0.0f ? 0.0f : slope * g[i]));
}

// exp is only taken of a non-positive number, so it cannot overflow.
__kernel void sigmoid_forward(__global const float* x, __global float* y, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = x[i];
    if (v >= 0.0f) {
        y[i] = 1.0f / (1.0f + exp(-v));
    } else {
        const float e = exp(v);
        y[i] = e / (1.0f + e);
    }
}

__kernel void sigmoid_backward(__global const float* y, __global const float* g, __global float* gi, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    gi[i] = g[i] * y[i] * (1.0f - y[i]);
}

// y = exp(x - max) / sum exp(x - max) over channels; a NaN anywhere in the column
// becomes the maximum and makes the whole column NaN.
__kernel void softmax_forward(__global const float* x, __global float* y, const int outer, const int channels,
                              const int inner) {
    const int column = get_global_id(0);
    if (column >= outer * inner) return;
    const size_t base = (size_t)(column / inner) * channels * inner + column % inner;
    float maximum = x[base];
    for (int c = 1; c < channels; ++c) {
        const float v = x[base + (size_t)c * inner];
        if (v > maximum || isnan(v)) maximum = v;
    }
    // The exponentials are parked in y so exp runs once per element.
    float sum = 0.0f;
    for (int c = 0; c < channels; ++c) {
        const float e = exp(x[base + (size_t)c * inner] - maximum);
        y[base + (size_t)c * inner] = e;
        sum += e;
    }
    const float inverse = 1.0f / sum;
    for (int c = 0; c < channels; ++c) y[base + (size_t)c * inner] *= inverse;
}

__kernel void softmax_backward(__global const float* y, __global const float* g, __global float* gi,
                               const int outer, const int channels, const int inner) {
    const int column = get_global_id(0);
    if (column >= outer * inner) return;
    const size_t base = (size_t)(column / inner) * channels * inner + column % inner;
    float dot = 0.0f;
    for (int c = 0; c < channels; ++c) dot += g[base + (size_t)c * inner] * y[base + (size_t)c * inner];
    for (int c = 0; c < channels; ++c) {
        const size_t i = base + (size_t)c * inner;
        gi[i] = y[i] * (g[i] - dot);
    }
}

// mask holds the uniforms of fill_uniform on entry and the keep scale (or 0) on exit.
__kernel void dropout_apply(__global const float* x, __global float* mask, __global float* y, const int n,
                            const float probability, const float scale) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float m = mask[i] >= probability ? scale : 0.0f;
    mask[i] = m;
    y[i] = x[i] * m;
}
