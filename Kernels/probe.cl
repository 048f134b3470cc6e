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

// Streams at the device's own width, the bandwidth yardsticks: work-item g moves the
// contiguous chunk g of count / global size floats (a multiple of 4 * VW), so the host
// picks the layout by the global size (a span of 4096 floats per work-item, or a few long
// chunks per core, each faster in some minutes of the shared 2-core EPYC, Kernels/dev).
// copy_peak writes lines it never read, which a CPU first reads for ownership (3
// transfers for the 2 counted); add_peak (dst += src) reads both and writes one it
// already holds, as axpy and the elementwise kernels do; read_peak only reads (a sum, as
// reductions do, into four accumulators), writing one float per work-item.
__kernel void copy_peak(__global const float* src, __global float* dst, const int count) {
    const size_t chunk = (size_t)count / get_global_size(0), begin = get_global_id(0) * chunk;
    for (size_t k = begin; k < begin + chunk; k += VW) CAT(vstore, VW)(CAT(vload, VW)(0, src + k), 0, dst + k);
}
__kernel void add_peak(__global const float* src, __global float* dst, const int count) {
    const size_t chunk = (size_t)count / get_global_size(0), begin = get_global_id(0) * chunk;
    for (size_t k = begin; k < begin + chunk; k += VW)
        CAT(vstore, VW)(CAT(vload, VW)(0, dst + k) + CAT(vload, VW)(0, src + k), 0, dst + k);
}
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
