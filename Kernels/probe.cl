// Device probes for the benchmark: arithmetic throughput and memory bandwidth.

// Eight independent float16 fma chains per work-item: enough parallel work to
// fill the FMA pipes of a CPU core (PoCL) or a GPU SM. Each iteration does
// 8 chains x 16 lanes x 2 flops. The result is written so nothing is optimised away.
__kernel void fma_peak(__global float* out, const int iterations, const float a, const float b) {
    const float seed = (float)get_global_id(0) * 1e-6f;
    float16 x0 = (float16)(seed), x1 = x0 + 0.1f, x2 = x0 + 0.2f, x3 = x0 + 0.3f;
    float16 x4 = x0 + 0.4f, x5 = x0 + 0.5f, x6 = x0 + 0.6f, x7 = x0 + 0.7f;
    for (int i = 0; i < iterations; ++i) {
        x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b); x3 = fma(x3, a, b);
        x4 = fma(x4, a, b); x5 = fma(x5, a, b); x6 = fma(x6, a, b); x7 = fma(x7, a, b);
    }
    const float16 s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 +
                            s.s8 + s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;
}

// The same work as float8 chains (twelve of them, 8 lanes x 2 flops per fma): AVX2
// has 16 vector registers, which eight float16 chains fill completely, spilling the
// constants; the benchmark takes the faster of the two kernels.
__kernel void fma_peak8(__global float* out, const int iterations, const float a, const float b) {
    const float seed = (float)get_global_id(0) * 1e-6f;
    float8 x0 = (float8)(seed), x1 = x0 + 0.1f, x2 = x0 + 0.2f, x3 = x0 + 0.3f, x4 = x0 + 0.4f, x5 = x0 + 0.5f;
    float8 x6 = x0 + 0.6f, x7 = x0 + 0.7f, x8 = x0 + 0.8f, x9 = x0 + 0.9f, x10 = x0 + 1.0f, x11 = x0 + 1.1f;
    for (int i = 0; i < iterations; ++i) {
        x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b); x3 = fma(x3, a, b);
        x4 = fma(x4, a, b); x5 = fma(x5, a, b); x6 = fma(x6, a, b); x7 = fma(x7, a, b);
        x8 = fma(x8, a, b); x9 = fma(x9, a, b); x10 = fma(x10, a, b); x11 = fma(x11, a, b);
    }
    const float8 s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;
}
