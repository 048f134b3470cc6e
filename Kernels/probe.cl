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
