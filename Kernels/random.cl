// Counter-based random fills (Philox4x32-10). Element i depends only on (seed, stream, i),
// so the result does not depend on launch geometry. This file is the twin of
// Sources/MCKDEngine/Random/{CounterRandom,DeterministicMath}.swift: log, sqrt and cos
// are built from +, -, * and fma (all correctly rounded in OpenCL C) so the CPU
// reference and every device produce the same bits. Contraction would change them.
#pragma OPENCL FP_CONTRACT OFF

inline uint4 philox4x32_10(uint4 c, uint2 k) {
    for (int round = 0; round < 10; ++round) {
        const uint hi0 = mul_hi(0xD2511F53u, c.x), lo0 = 0xD2511F53u * c.x;
        const uint hi1 = mul_hi(0xCD9E8D57u, c.z), lo1 = 0xCD9E8D57u * c.z;
        c = (uint4)(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
        k += (uint2)(0x9E3779B9u, 0xBB67AE85u);
    }
    return c;
}

inline uint4 random_words(const uint seed_lo, const uint seed_hi, const uint stream_lo, const uint stream_hi, const uint index) {
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

inline float deterministic_log(const float x) {
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

inline float deterministic_sqrt(const float x) {
    if (x == 0.0f) return 0.0f;
    float r = as_float(0x5F3759DFu - (as_uint(x) >> 1));
    const float half_x = 0.5f * x;
    for (int i = 0; i < 4; ++i) r = r * (1.5f - half_x * r * r);
    return x * r;
}

// cos(2 pi t) for t in [0, 1).
inline float deterministic_cos_turns(const float t) {
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
