// Geometry-independent helpers of the convolution family (built once, no defines):
// weight packing, zero-padded and channels-last copies for conv3d.cl, the bias
// gradient, weight standardisation.

// tile[r * 16 + k] = src[r * stride + k] for the r < rows and k < cols that exist, zero
// elsewhere: a 16 x 16 tile read with one vector per full row.
static inline void load_tile(float tile[256], __global const float* src, const size_t stride, const int rows, const int cols) {
    for (int r = 0; r < 16; ++r, src += stride) {
        if (r >= rows) {
            vstore16((float16)(0.0f), r, tile);
        } else if (cols == 16) {
            vstore16(vload16(0, src), r, tile);
        } else {
            for (int k = 0; k < 16; ++k) tile[r * 16 + k] = k < cols ? src[k] : 0.0f;
        }
    }
}

// 16 values tile[r * 16 + k] (r = 0..15) of column k of a 16 x 16 tile, as a vector.
static inline float16 tile_column(const float tile[256], const int k) {
    float16 v;
    v.s0 = tile[k];        v.s1 = tile[16 + k];   v.s2 = tile[32 + k];   v.s3 = tile[48 + k];
    v.s4 = tile[64 + k];   v.s5 = tile[80 + k];   v.s6 = tile[96 + k];   v.s7 = tile[112 + k];
    v.s8 = tile[128 + k];  v.s9 = tile[144 + k];  v.sa = tile[160 + k];  v.sb = tile[176 + k];
    v.sc = tile[192 + k];  v.sd = tile[208 + k];  v.se = tile[224 + k];  v.sf = tile[240 + k];
    return v;
}

// Weights re-packed into channel blocks, as a batched transpose: for G matrices
// w[g] [R, C] (row-major), packed[((b * G + g) * C + col) * block + r % block] = w[g, r, col]
// with b = r / block, and zero for the rows R <= r < ceil(R / block) * block.
//   forward: G = 1, R = CO, C = CI * taps: packed[cob][ci][tap][block] over output channels;
//   gather:  G = CO, R = CI, C = taps: packed[cib][co][tap][block] over input channels.
// With flip, column col goes to C - 1 - col: the gather's taps mirrored, which is the
// forward kernel's weight for a stride-1 backward-data run as a forward convolution.
// A work-item transposes a 16 x 16 tile through private memory: vector reads along a
// row, vector writes along a block when block is a multiple of 16.
// global [ceil(C / 16), ceil(ceil(R / block) * block / 16), G], local [1, 1, 1].
__kernel void pack_weights(__global const float* w, __global float* packed, const int G, const int R, const int C,
                           const int block, const int flip) {
    const int col0 = get_global_id(0) * 16, r0 = get_global_id(1) * 16, g = get_global_id(2);
    const int Rp = (R + block - 1) / block * block;
    if (col0 >= C || r0 >= Rp || g >= G) return;
    const int cols = min(16, C - col0);
    float tile[256];
    load_tile(tile, w + ((size_t)g * R + r0) * C + col0, C, R - r0, cols);
    for (int k = 0; k < cols; ++k) {
        const float16 column = tile_column(tile, k);
        const int col = flip ? C - 1 - (col0 + k) : col0 + k;
        if (block % 16 == 0) {   // rows r0 .. r0 + 15 lie in one block, contiguous
            vstore16(column, 0, packed + ((size_t)(r0 / block * G + g) * C + col) * block + r0 % block);
        } else {
            float lanes[16];
            vstore16(column, 0, lanes);
            for (int r = 0; r < 16 && r0 + r < Rp; ++r) {
                const int row = r0 + r;
                packed[((size_t)(row / block * G + g) * C + col) * block + row % block] = lanes[r];
            }
        }
    }
}

// xp[r, dp, hp, wp] = x[r, dp - pd, hp - ph, wp - pw] inside x, zero outside (r = n * C + c):
// the kernels read a padded copy instead of checking every tap against the volume's
// edges. With phases > 1 each padded row of Wp = phases * Wq slots is split into its
// stride phases, padded column c at slot (c % phases) * Wq + c / phases, so that inputs
// a stride apart lie side by side (conv3d_forward_rows). A work-item fills one padded
// plane (PoCL pays per work-group, so not per row).
// global [Dp, rows], local [1, 1].
__kernel void pad_volume(__global const float* x, __global float* xp, const int rows, const int D, const int H, const int W,
                         const int Dp, const int Hp, const int Wp, const int pd, const int ph, const int pw, const int phases) {
    const int dp = get_global_id(0), r = get_global_id(1);
    if (dp >= Dp || r >= rows) return;
    __global float* dst = xp + ((size_t)r * Dp + dp) * Hp * Wp;
    const int d = dp - pd, Wq = Wp / phases;
    for (int hp = 0; hp < Hp; ++hp, dst += Wp) {
        const int h = hp - ph;
        if (d < 0 || d >= D || h < 0 || h >= H) {
            for (int wp = 0; wp < Wp; ++wp) dst[wp] = 0.0f;
            continue;
        }
        __global const float* src = x + (((size_t)r * D + d) * H + h) * W;
        for (int q = 0; q < phases; ++q) {
            // Slots j hold column j * phases + q, which is x's when pw <= it < pw + W.
            __global float* part = dst + q * Wq;
            const int begin = min(max(0, pw - q + phases - 1) / phases, Wq);
            const int end = max(begin, min(max(0, pw + W - q + phases - 1) / phases, Wq));
            for (int j = 0; j < begin; ++j) part[j] = 0.0f;
            for (int j = begin; j < end; ++j) part[j] = src[j * phases + q - pw];
            for (int j = end; j < Wq; ++j) part[j] = 0.0f;
        }
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
    float tile[256];
    load_tile(tile, a + ((size_t)n * C + c0) * spatial + s0, spatial, C - c0, positions);
    for (int i = 0; i < positions; ++i) {
        const float16 column = tile_column(tile, i);
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
