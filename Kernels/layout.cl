// Strided block moves behind every layout op (concat, split, batch slices, modality
// regrouping, gathers): for block i, dst[dst_start + i * dst_step + e] = src[src_start +
// i * src_step + e]. Launched 2D as (element in block, block) so no work-item divides;
// the guard covers the global size rounded up to the work-group size.

__kernel void copy_blocks(__global const float* src, __global float* dst, const int block_size, const int count,
                          const int src_start, const int src_step, const int dst_start, const int dst_step) {
    const int e = get_global_id(0), i = get_global_id(1);
    if (e >= block_size || i >= count) return;
    dst[dst_start + (size_t)i * dst_step + e] = src[src_start + (size_t)i * src_step + e];
}

// The same move, adding into the destination (repeated gather indices in a backward pass).
__kernel void add_blocks(__global const float* src, __global float* dst, const int block_size, const int count,
                         const int src_start, const int src_step, const int dst_start, const int dst_step) {
    const int e = get_global_id(0), i = get_global_id(1);
    if (e >= block_size || i >= count) return;
    dst[dst_start + (size_t)i * dst_step + e] += src[src_start + (size_t)i * src_step + e];
}

__kernel void zero_blocks(__global float* dst, const int block_size, const int count, const int start, const int step) {
    const int e = get_global_id(0), i = get_global_id(1);
    if (e >= block_size || i >= count) return;
    dst[start + (size_t)i * step + e] = 0.0f;
}
