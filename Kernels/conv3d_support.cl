// Geometry-independent helpers of the convolution family (built once, no defines):
// weight packing, zero-padded and channels-last copies for conv3d.cl, the sum of a
// split reduction's chunks, the bias gradient, weight standardisation.

// packed[((b * inner + i) * taps + t) * block + c] = weight of (block b, lane c, channel i, tap t),
// zero for lanes past the last channel; `block` is the kernels' CBLOCK.
//   swap == 0 (forward): lane channel = output channel o = b*block+c, i = input channel:
//                        w[o, i, t].
//   swap == 1 (gather):  lane channel = input channel  = b*block+c, i = output channel:
//                        w[i, b*block+c, t].
// `rows` and `columns` are the weight's first two extents [rows, columns, taps]. A
// work-item writes one (block, channel)'s taps * block values (contiguous), reading
// each lane's taps contiguously. global [inner, blocks], local [1, 1].
__kernel void pack_weights(__global const float* w, __global float* packed,
                           const int rows, const int columns, const int taps, const int swap, const int block) {
    const int lanesTotal = swap ? columns : rows;
    const int inner = swap ? rows : columns;
    const int i = get_global_id(0), b = get_global_id(1);
    if (i >= inner || b * block >= lanesTotal) return;
    __global float* dst = packed + ((size_t)b * inner + i) * taps * block;
    for (int c = 0; c < block; ++c) {
        const int lane = b * block + c;
        if (lane >= lanesTotal) {
            for (int t = 0; t < taps; ++t) dst[t * block + c] = 0.0f;
            continue;
        }
        __global const float* src = w + (swap ? (size_t)i * columns + lane : (size_t)lane * columns + i) * taps;
        for (int t = 0; t < taps; ++t) dst[t * block + c] = src[t];
    }
}

// xp[r, dp, hp, wp] = x[r, dp - pd, hp - ph, wp - pw] inside x, zero outside (r = n * C + c):
// the kernels read a padded copy instead of checking every tap against the volume's
// edges. global [Hp, Dp, rows], local [1, 1, 1].
__kernel void pad_volume(__global const float* x, __global float* xp, const int rows, const int D, const int H, const int W,
                         const int Dp, const int Hp, const int Wp, const int pd, const int ph, const int pw) {
    const int hp = get_global_id(0), dp = get_global_id(1), r = get_global_id(2);
    if (hp >= Hp || dp >= Dp || r >= rows) return;
    __global float* dst = xp + (((size_t)r * Dp + dp) * Hp + hp) * Wp;
    const int d = dp - pd, h = hp - ph;
    if (d < 0 || d >= D || h < 0 || h >= H) {
        for (int wp = 0; wp < Wp; ++wp) dst[wp] = 0.0f;
        return;
    }
    __global const float* src = x + (((size_t)r * D + d) * H + h) * W;
    for (int wp = 0; wp < Wp; ++wp) {
        const int w = wp - pw;
        dst[wp] = w >= 0 && w < W ? src[w] : 0.0f;
    }
}

// t[n, s, c] = a[n, c, s] for c < C, zero for C <= c < CP (channels-last, padded to CP).
// A work-item transposes a 16 x 16 tile (16 positions x 16 channels) through private
// memory: contiguous vector reads along s, contiguous vector writes along c.
// global [ceil(spatial / 16), ceil(CP / 16), N], local [1, 1, 1].
__kernel void channels_last(__global const float* a, __global float* t, const int N, const int C, const int CP,
                            const int spatial) {
    const int s0 = get_global_id(0) * 16, c0 = get_global_id(1) * 16, n = get_global_id(2);
    if (s0 >= spatial || c0 >= CP || n >= N) return;
    const int positions = min(16, spatial - s0);
    float tile[16 * 16];
    for (int c = 0; c < 16; ++c) {
        __global const float* src = a + ((size_t)n * C + c0 + c) * spatial + s0;
        if (c0 + c >= C) {
            vstore16((float16)(0.0f), c, tile);
        } else if (positions == 16) {
            vstore16(vload16(0, src), c, tile);
        } else {
            for (int i = 0; i < 16; ++i) tile[c * 16 + i] = i < positions ? src[i] : 0.0f;
        }
    }
    for (int i = 0; i < positions; ++i) {
        float16 column;
        column.s0 = tile[i];            column.s1 = tile[16 + i];       column.s2 = tile[32 + i];       column.s3 = tile[48 + i];
        column.s4 = tile[64 + i];       column.s5 = tile[80 + i];       column.s6 = tile[96 + i];       column.s7 = tile[112 + i];
        column.s8 = tile[128 + i];      column.s9 = tile[144 + i];      column.sa = tile[160 + i];      column.sb = tile[176 + i];
        column.sc = tile[192 + i];      column.sd = tile[208 + i];      column.se = tile[224 + i];      column.sf = tile[240 + i];
        __global float* dst = t + ((size_t)n * spatial + s0 + i) * CP + c0;
        if (c0 + 16 <= CP) {
            vstore16(column, 0, dst);
        } else {
            float lanes[16];
            vstore16(column, 0, lanes);
            for (int c = 0; c < CP - c0; ++c) dst[c] = lanes[c];
        }
    }
}

// out[i] = sum over chunks c, in order, of partial[c * count + i].
__kernel void sum_chunks(__global const float* partial, __global float* out, const int count, const int chunks) {
    const int i = get_global_id(0);
    if (i >= count) return;
    float sum = partial[i];
    for (int c = 1; c < chunks; ++c) sum += partial[(size_t)c * count + i];
    out[i] = sum;
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
    return (float3)(shift, mean, 1.0f / sqrt(squares / (float)K + eps));
}

// y = (w - mean) / sqrt(var + eps) per output channel.
__kernel void standardize_weights(__global const float* w, __global float* y, const int C, const int K, const float eps) {
    const int o = get_global_id(0);
    if (o >= C) return;
    __global const float* wo = w + (size_t)o * K;
    const float3 s = standardization(wo, K, eps);
    for (int j = 0; j < K; ++j) y[(size_t)o * K + j] = ((wo[j] - s.x) - s.y) * s.z;
}

// dw = (g - mean(g) - y * mean(g * y)) / sqrt(var + eps) per output channel.
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
    const float meanG = sumG / (float)K, meanGY = sumGY / (float)K;
    for (int j = 0; j < K; ++j) dw[(size_t)o * K + j] = (go[j] - meanG - ((wo[j] - s.x) - s.y) * s.z * meanGY) * s.z;
}
