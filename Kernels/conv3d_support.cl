// Geometry-independent helpers of the convolution family (built once, no defines):
// weight packing for conv3d.cl, the bias gradient, weight standardisation.

// packed[((b * IN + i) * TAPS + t) * block + c] = weight of (block b, lane c, channel i, tap t),
// zero for lanes past the last channel; `block` is the kernels' CB.
//   swap == 0 (forward): lane channel = output channel o = b*block+c, i = input channel:
//                        w[o, i, t].
//   swap == 1 (gather):  lane channel = input channel  = b*block+c, i = output channel:
//                        w[i, b*block+c, t].
// `rows` and `columns` are the weight's first two extents [rows, columns, taps].
__kernel void pack_weights(__global const float* w, __global float* packed,
                           const int rows, const int columns, const int taps, const int swap, const int block) {
    const int lanesTotal = swap ? columns : rows;
    const int inner = swap ? rows : columns;
    const int blocks = (lanesTotal + block - 1) / block;
    const int gid = get_global_id(0);
    if (gid >= blocks * inner * taps * block) return;
    const int c = gid % block;
    const int t = (gid / block) % taps;
    const int i = (gid / (block * taps)) % inner;
    const int b = gid / (block * taps * inner);
    const int lane = b * block + c;
    float value = 0.0f;
    if (lane < lanesTotal) value = swap ? w[((size_t)i * columns + lane) * taps + t] : w[((size_t)lane * columns + i) * taps + t];
    packed[gid] = value;
}

// out[c] = sum over n, then space, of t[n, c, :] (the bias gradient). One work-item per channel.
__kernel void channel_sum(__global const float* t, __global float* out, const int N, const int C, const int spatial) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float sum = 0.0f;
    for (int n = 0; n < N; ++n) {
        __global const float* p = t + (size_t)(n * C + c) * spatial;
        for (int s = 0; s < spatial; ++s) sum += p[s];
    }
    out[c] = sum;
}

// Weight standardisation, one work-item per output channel o over its K weights
// w[o * K .. o * K + K), summed in order. The sums run on w - w[0] (shifted data):
// weights far from zero (1e3 +- 1e-2) would otherwise lose the spread's bits to the
// rounding of a large mean. Returns (w[0], mean of w - w[0], 1 / sqrt(var + eps)),
// var the biased variance by a second pass over the centred values.
static inline float3 standardization(__global const float* w, const int K, const float eps) {
    const float shift = w[0];
    float sum = 0.0f;
    for (int j = 0; j < K; ++j) sum += w[j] - shift;
    const float mean = sum / (float)K;
    float squares = 0.0f;
    for (int j = 0; j < K; ++j) {
        const float centred = (w[j] - shift) - mean;
        squares = fma(centred, centred, squares);
    }
    return (float3)(shift, mean, 1.0f / sqrt(squares / (float)max(K - 1, 1) + eps));
}

// y = (w - mean) / sqrt(var + eps) per output channel, var unbiased (divided by K - 1).
__kernel void standardize_weights(__global const float* w, __global float* y, const int C, const int K, const float eps) {
    const int o = get_global_id(0);
    if (o >= C) return;
    __global const float* wo = w + (size_t)o * K;
    const float3 s = standardization(wo, K, eps);
    for (int j = 0; j < K; ++j) y[(size_t)o * K + j] = ((wo[j] - s.x) - s.y) * s.z;
}

// dw = (g - mean(g) - y * sum(g * y) / (K - 1)) / sqrt(var + eps) per output channel.
__kernel void standardize_weights_backward(__global const float* w, __global const float* g, __global float* dw,
                                           const int C, const int K, const float eps) {
    const int o = get_global_id(0);
    if (o >= C) return;
    __global const float* wo = w + (size_t)o * K;
    __global const float* go = g + (size_t)o * K;
    const float3 s = standardization(wo, K, eps);
    float sumG = 0.0f, sumGY = 0.0f;
    for (int j = 0; j < K; ++j) {
        sumG += go[j];
        sumGY = fma(go[j], ((wo[j] - s.x) - s.y) * s.z, sumGY);
    }
    const float meanG = sumG / (float)K, meanGY = sumGY / (float)max(K - 1, 1);
    for (int j = 0; j < K; ++j) dw[(size_t)o * K + j] = (go[j] - meanG - ((wo[j] - s.x) - s.y) * s.z * meanGY) * s.z;
}
