// Deterministic reductions along one axis of a tensor viewed as [outer, extent, inner].
// Pass 1: work-item (o, c, i) sums chunk c of the axis in order into partial[o, c, i].
// Pass 2: work-item (o, i) sums the chunks in order. No atomics, so the result is the
// same bits on every run; when the axis fits one chunk, pass 1 writes the result.

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
