// Geometry-independent helpers of the GPU convolution family (conv3d_gpu.cl).

// The bias gradient out[c] = sum over n and space of t[n, c, :], one work-group of
// SUM_WG work-items per channel (a -D define, a power of two): work-item l sums
// elements l, l + SUM_WG, ... of each sample in order (coalesced), then the group
// adds the SUM_WG partial sums pairwise in a fixed tree. Deterministic, no atomics.
// global [C * SUM_WG], local [SUM_WG].
__kernel __attribute__((reqd_work_group_size(SUM_WG, 1, 1)))
void channel_sum_groups(__global const float* t, __global float* out, const int N, const int C, const int spatial) {
    __local float partial[SUM_WG];
    const int c = get_group_id(0), lid = get_local_id(0);
    float sum = 0.0f;
    for (int n = 0; n < N; ++n) {
        __global const float* p = t + (size_t)(n * C + c) * spatial;
        for (int s = lid; s < spatial; s += SUM_WG) sum += p[s];
    }
    partial[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int active = SUM_WG / 2; active > 0; active /= 2) {
        if (lid < active) partial[lid] += partial[lid + active];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[c] = partial[0];
}
