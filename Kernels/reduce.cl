// Deterministic reductions along one axis of a tensor viewed as [outer, extent, inner].
// Pass 1: work-item (o, c, i) sums chunk c of the axis in order into partial[o, c, i]
// (reduce_spans instead, on CPU devices where inner is 1). Pass 2: work-item (o, i)
// sums the chunks in order. No atomics, so the result is the same bits on every run;
// when the axis fits one chunk, pass 1 writes the result.

__kernel void reduce_partial(__global const float* x, __global float* partial,
                             const int outer, const int extent, const int inner,
                             const int chunk, const int chunks, const float factor) {
    const int gid = get_global_id(0);
    if (gid >= outer * chunks * inner) return;
    const int i = gid % inner;
    const int c = (gid / inner) % chunks;
    const int o = gid / (inner * chunks);
    const int start = c * chunk;
    const int end = min(extent, start + chunk);
    __global const float* base = x + (size_t)o * extent * inner + i;
    float sum = 0.0f;
    for (int k = start; k < end; ++k) sum += base[(size_t)k * inner];
    partial[gid] = sum * factor;
}

__kernel void reduce_finish(__global const float* partial, __global float* out,
                            const int outer, const int chunks, const int inner, const float factor) {
    const int gid = get_global_id(0);
    if (gid >= outer * inner) return;
    const int i = gid % inner;
    const int o = gid / inner;
    __global const float* base = partial + (size_t)o * chunks * inner + i;
    float sum = 0.0f;
    for (int c = 0; c < chunks; ++c) sum += base[(size_t)c * inner];
    out[gid] = sum * factor;
}

// The 16 lanes pairwise: lane i + lane i + 8, then + 4, + 2, + 1. Written per component:
// Oclgrind's uninitialised-value check flags sums of .lo / .hi halves of a float16 (a
// standalone program reproduces it), not these.
static inline float lane_sum16(const float16 v) {
    const float q0 = (v.s0 + v.s8) + (v.s4 + v.sc), q1 = (v.s1 + v.s9) + (v.s5 + v.sd);
    const float q2 = (v.s2 + v.sa) + (v.s6 + v.se), q3 = (v.s3 + v.sb) + (v.s7 + v.sf);
    return (q0 + q1) + (q2 + q3);
}

// Pass 1 for CPU devices when inner is 1: work-item (o, c) sums span c of row o, 64
// floats at a time into four float16 accumulators (independent chains, so the adds'
// latency does not pace the loads; reduce_partial's one scalar chain ran at a tenth of
// the memory's rate), combined in a fixed order, then the span's tail in order.
__kernel void reduce_spans(__global const float* x, __global float* partial, const int outer, const int extent,
                           const int span, const int chunks, const float factor) {
    const int gid = get_global_id(0);
    if (gid >= outer * chunks) return;
    const int c = gid % chunks, o = gid / chunks;
    const int end = min(extent, (c + 1) * span);
    __global const float* row = x + (size_t)o * extent;
    float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int k = c * span;
    for (; k + 64 <= end; k += 64) {
        a0 += vload16(0, row + k);
        a1 += vload16(0, row + k + 16);
        a2 += vload16(0, row + k + 32);
        a3 += vload16(0, row + k + 48);
    }
    float tail = 0.0f;
    for (; k < end; ++k) tail += row[k];
    partial[gid] = (lane_sum16((a0 + a1) + (a2 + a3)) + tail) * factor;
}
