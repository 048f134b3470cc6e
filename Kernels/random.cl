// Counter-based random fills (Philox4x32-10). Element i depends only on (seed, stream, i),
// so the result does not depend on launch geometry. This file is the twin of
// Sources/MCKDEngine/Random/{CounterRandom,DeterministicMath}.swift: log, sqrt and cos
// are built from +, -, * and fma (all correctly rounded in OpenCL C) so the CPU
// reference and every device produce the same bits. Contraction would change them.
#pragma OPENCL FP_CONTRACT OFF

static inline uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; ++round) {
        const uint hi0 = mul_hi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        const uint hi1 = mul_hi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

static inline uint4 random_words(const uint seed_lo, const uint seed_hi, const uint stream_lo, const uint stream_hi, const uint index) {
    // Tensors stay below 2^31 elements, so the counter's high index word is 0.
    return philox4x32_10((uint4)(index, 0u, stream_lo, stream_hi), (uint2)(seed_lo, seed_hi));
}

__constant float LOG_SERIES[22] = {
    0x1p+0f, -0x1p-1f, 0x1.555556p-2f, -0x1p-2f, 0x1.99999ap-3f, -0x1.555556p-3f, 0x1.24924ap-3f,
    -0x1p-3f, 0x1.c71c72p-4f, -0x1.99999ap-4f, 0x1.745d18p-4f, -0x1.555556p-4f, 0x1.3b13b2p-4f,
    -0x1.24924ap-4f, 0x1.111112p-4f, -0x1p-4f, 0x1.e1e1e2p-5f, -0x1.c71c72p-5f, 0x1.af286cp-5f,
    -0x1.99999ap-5f, 0x1.861862p-5f, -0x1.745d18p-5f};

__constant float COS_SERIES[8] = {
    0x1p+0f, -0x1p-1f, 0x1.555556p-5f, -0x1.6c16c2p-10f, 0x1.a01a02p-16f, -0x1.27e4fcp-22f,
    0x1.1eed8ep-29f, -0x1.93974ap-37f};

__constant float SIN_SERIES[8] = {
    0x1p+0f, -0x1.555556p-3f, 0x1.111112p-7f, -0x1.a01a02p-13f, 0x1.71de3ap-19f, -0x1.ae6456p-26f,
    0x1.612462p-33f, -0x1.ae7f3ep-41f};

static inline float deterministic_log(const float x) {
    const uint bits = as_uint(x);
    int exponent = (int)((bits >> 23) & 0xFFu) - 127;
    float mantissa = as_float((bits & 0x007FFFFFu) | 0x3F800000u);
    if (mantissa > 0x1.6a09e6p+0f) {
        mantissa *= 0.5f;
        exponent += 1;
    }
    const float f = mantissa - 1.0f;
    float series = 0.0f;
    for (int n = 21; n >= 0; --n) series = fma(series, f, LOG_SERIES[n]);
    return fma(f, series, (float)exponent * 0x1.62e430p-1f);
}

static inline float deterministic_sqrt(const float x) {
    if (x == 0.0f) return 0.0f;
    float r = as_float(0x5F3759DFu - (as_uint(x) >> 1));
    const float half_x = 0.5f * x;
    for (int i = 0; i < 4; ++i) r = r * (1.5f - half_x * r * r);
    return x * r;
}

// cos(2 pi t) for t in [0, 1).
static inline float deterministic_cos_turns(const float t) {
    const float scaled = 4.0f * t;
    const int quadrant = (int)scaled;
    const float phase = (scaled - (float)quadrant) * 0x1.921fb6p+0f;
    const float phase2 = phase * phase;
    float c = 0.0f, s = 0.0f;
    for (int n = 7; n >= 0; --n) {
        c = fma(c, phase2, COS_SERIES[n]);
        s = fma(s, phase2, SIN_SERIES[n]);
    }
    s = s * phase;
    if (quadrant == 0) return c;
    if (quadrant == 1) return -s;
    if (quadrant == 2) return -c;
    return s;
}

__kernel void fill_uniform(__global float* out, const int n, const uint seed_lo, const uint seed_hi,
                           const uint stream_lo, const uint stream_hi, const float low, const float high) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const uint4 w = random_words(seed_lo, seed_hi, stream_lo, stream_hi, (uint)i);
    out[i] = low + (high - low) * ((float)(w.x >> 8) * 0x1p-24f);
}

__kernel void fill_normal(__global float* out, const int n, const uint seed_lo, const uint seed_hi,
                          const uint stream_lo, const uint stream_hi, const float mean, const float stddev) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const uint4 w = random_words(seed_lo, seed_hi, stream_lo, stream_hi, (uint)i);
    const float u1 = (float)((w.x >> 8) + 1u) * 0x1p-24f;
    const float u2 = (float)(w.y >> 8) * 0x1p-24f;
    const float radius = deterministic_sqrt(-2.0f * deterministic_log(u1));
    out[i] = mean + stddev * (radius * deterministic_cos_turns(u2));
}

// Explicit-vector twins of the fills above: each work-item computes 8 consecutive
// elements with the same operations lane by lane (selects instead of branches), so the
// bits are identical to the scalar kernels and to the CPU reference. CPU OpenCL devices
// do not vectorise the scalar kernels' loops and branches on their own.
static inline void philox8(uint8* c0, uint8* c1, uint8* c2, uint8* c3, uint k0, uint k1) {
    for (int round = 0; round < 10; ++round) {
        const uint8 hi0 = mul_hi((uint8)(0xD2511F53u), *c0), lo0 = (uint8)(0xD2511F53u) * *c0;
        const uint8 hi1 = mul_hi((uint8)(0xCD9E8D57u), *c2), lo1 = (uint8)(0xCD9E8D57u) * *c2;
        const uint8 n0 = hi1 ^ *c1 ^ (uint8)(k0), n2 = hi0 ^ *c3 ^ (uint8)(k1);
        *c0 = n0; *c1 = lo1; *c2 = n2; *c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

static inline float8 deterministic_log8(const float8 x) {
    const uint8 bits = as_uint8(x);
    int8 exponent = convert_int8((bits >> 23) & (uint8)(0xFFu)) - (int8)(127);
    float8 mantissa = as_float8((bits & (uint8)(0x007FFFFFu)) | (uint8)(0x3F800000u));
    const int8 big = isgreater(mantissa, (float8)(0x1.6a09e6p+0f));   // -1 where true
    mantissa = select(mantissa, mantissa * 0.5f, big);
    exponent = exponent - big;
    const float8 f = mantissa - 1.0f;
    float8 series = (float8)(0.0f);
    for (int n = 21; n >= 0; --n) series = fma(series, f, (float8)(LOG_SERIES[n]));
    return fma(f, series, convert_float8(exponent) * 0x1.62e430p-1f);
}

static inline float8 deterministic_sqrt8(const float8 x) {
    float8 r = as_float8((uint8)(0x5F3759DFu) - (as_uint8(x) >> 1));
    const float8 half_x = 0.5f * x;
    for (int i = 0; i < 4; ++i) r = r * (1.5f - half_x * r * r);
    return select(x * r, (float8)(0.0f), isequal(x, (float8)(0.0f)));
}

static inline float8 deterministic_cos_turns8(const float8 t) {
    const float8 scaled = 4.0f * t;
    const int8 quadrant = convert_int8(scaled);
    const float8 phase = (scaled - convert_float8(quadrant)) * 0x1.921fb6p+0f;
    const float8 phase2 = phase * phase;
    float8 c = (float8)(0.0f), s = (float8)(0.0f);
    for (int n = 7; n >= 0; --n) {
        c = fma(c, phase2, (float8)(COS_SERIES[n]));
        s = fma(s, phase2, (float8)(SIN_SERIES[n]));
    }
    s = s * phase;
    float8 result = s;                                   // quadrant 3
    result = select(result, -c, quadrant == (int8)(2));
    result = select(result, -s, quadrant == (int8)(1));
    return select(result, c, quadrant == (int8)(0));
}

static inline void store8(__global float* out, const int first, const int n, const float8 v) {
    if (first + 8 <= n) { vstore8(v, 0, out + first); return; }
    const float values[8] = {v.s0, v.s1, v.s2, v.s3, v.s4, v.s5, v.s6, v.s7};
    for (int lane = 0; lane < 8 && first + lane < n; ++lane) out[first + lane] = values[lane];
}

__kernel void fill_uniform8(__global float* out, const int n, const uint seed_lo, const uint seed_hi,
                            const uint stream_lo, const uint stream_hi, const float low, const float high) {
    const int first = get_global_id(0) * 8;
    if (first >= n) return;
    uint8 c0 = (uint8)((uint)first) + (uint8)(0, 1, 2, 3, 4, 5, 6, 7), c1 = (uint8)(0u);
    uint8 c2 = (uint8)(stream_lo), c3 = (uint8)(stream_hi);
    philox8(&c0, &c1, &c2, &c3, seed_lo, seed_hi);
    store8(out, first, n, low + (high - low) * (convert_float8(c0 >> 8) * 0x1p-24f));
}

__kernel void fill_normal8(__global float* out, const int n, const uint seed_lo, const uint seed_hi,
                           const uint stream_lo, const uint stream_hi, const float mean, const float stddev) {
    const int first = get_global_id(0) * 8;
    if (first >= n) return;
    uint8 c0 = (uint8)((uint)first) + (uint8)(0, 1, 2, 3, 4, 5, 6, 7), c1 = (uint8)(0u);
    uint8 c2 = (uint8)(stream_lo), c3 = (uint8)(stream_hi);
    philox8(&c0, &c1, &c2, &c3, seed_lo, seed_hi);
    const float8 u1 = convert_float8((c0 >> 8) + (uint8)(1u)) * 0x1p-24f;
    const float8 u2 = convert_float8(c1 >> 8) * 0x1p-24f;
    const float8 radius = deterministic_sqrt8(-2.0f * deterministic_log8(u1));
    store8(out, first, n, mean + stddev * (radius * deterministic_cos_turns8(u2)));
}
