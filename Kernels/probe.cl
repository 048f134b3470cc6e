// Device probes for the benchmark: arithmetic throughput and memory bandwidth.

// CHAINS independent VEC (VW floats, the device profile's vector width) fma chains per
// work-item: enough to cover the FMA latency on every pipe (AVX-512: 2 pipes x 4 cycles
// = 8 chains at least; 16 leaves headroom and still fits in 32 registers). Each
// iteration does CHAINS x VW x 2 flops; the result is written so nothing is optimised away.
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)

__kernel void fma_peak(__global float* out, const int iterations, const float a, const float b) {
    const float seed = (float)get_global_id(0) * 1e-6f;
    VEC x[CHAINS];
    #pragma unroll
    for (int c = 0; c < CHAINS; ++c) x[c] = (VEC)(seed + 0.01f * c);
    for (int i = 0; i < iterations; ++i) {
        #pragma unroll
        for (int c = 0; c < CHAINS; ++c) x[c] = fma(x[c], (VEC)(a), (VEC)(b));
    }
    VEC s = x[0];
    #pragma unroll
    for (int c = 1; c < CHAINS; ++c) s += x[c];
    float total = 0.0f;
    float lanes[VW];
    CAT(vstore, VW)(s, 0, lanes);
    for (int l = 0; l < VW; ++l) total += lanes[l];
    out[get_global_id(0)] = total;
}

// Streams at the device's own width, SPAN floats per work-item (count a multiple of
// SPAN), the bandwidth yardsticks. copy_peak writes lines it never read, which a CPU
// first reads for ownership (3 transfers for the 2 counted); add_peak (dst += src)
// reads both and writes one it already holds, as axpy and the elementwise kernels do;
// read_peak only reads (a sum, as reductions do), writing one float per work-item.
#define SPAN 4096
__kernel void copy_peak(__global const float* src, __global float* dst, const int count) {
    const size_t begin = (size_t)get_global_id(0) * SPAN;
    if (begin >= (size_t)count) return;
    for (int k = 0; k < SPAN; k += VW) CAT(vstore, VW)(CAT(vload, VW)(0, src + begin + k), 0, dst + begin + k);
}
__kernel void add_peak(__global const float* src, __global float* dst, const int count) {
    const size_t begin = (size_t)get_global_id(0) * SPAN;
    if (begin >= (size_t)count) return;
    for (int k = 0; k < SPAN; k += VW)
        CAT(vstore, VW)(CAT(vload, VW)(0, dst + begin + k) + CAT(vload, VW)(0, src + begin + k), 0, dst + begin + k);
}
// One contiguous chunk per work-item (count / global size floats, a multiple of 4 * VW),
// four accumulators: each core streams long runs its prefetchers follow. Side by side
// on the 2-core EPYC (16 work-items) it read 45-52 GB/s where four streams a quarter
// of the buffer apart, a span of 4096 each per work-item, read 35-39 (Kernels/dev).
__kernel void read_peak(__global const float* src, __global float* dst, const int count) {
    const size_t chunk = (size_t)count / get_global_size(0), begin = get_global_id(0) * chunk;
    VEC a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (size_t k = begin; k < begin + chunk; k += 4 * VW) {
        a0 += CAT(vload, VW)(0, src + k);
        a1 += CAT(vload, VW)(1, src + k);
        a2 += CAT(vload, VW)(2, src + k);
        a3 += CAT(vload, VW)(3, src + k);
    }
    float lanes[VW];
    CAT(vstore, VW)((a0 + a1) + (a2 + a3), 0, lanes);
    float total = 0.0f;
    for (int l = 0; l < VW; ++l) total += lanes[l];
    dst[get_global_id(0)] = total;
}
