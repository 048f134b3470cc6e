// Batch, instance and group normalisation. An NCDHW tensor is viewed as rows r = n * C + c
// of S = D * H * W voxels. Statistic j owns the rows first(j) + a * BLOCK_STRIDE + k for
// a < blocks, k < group_size (batch norm: row c of every sample; instance and group norm:
// group_size consecutive rows of one sample). Every sum is deterministic: in pass 1,
// work-item (row, c) of `chunks` per row reduces its share of the row in a fixed order
// (below); pass 2 merges a statistic's rows and partials in a fixed order. No atomics.
//
// The forward statistics take one pass over x: each work-item keeps Welford's running
// (mean, sum of squared deviations), and pass 2 merges them pairwise (Chan et al.), which
// stays accurate when the mean is large against the spread (no E[x^2] - E[x]^2).
//
// Build-time defines: ACROSS_BATCH (0/1); VECTOR_SPANS (0/1) the explicit-vector variants
// for CPU devices. Channel and group counts are arguments, so one program serves every
// layer (PoCL spends ~0.5 s per program build). GPU-family elementwise kernels run 2D as
// (voxel, row): the row, and every division by it, is uniform across a vector; the CPU
// family's run one span of a row per work-item in float16 vectors.

#if ACROSS_BATCH
#define STAT_OF_ROW(row) ((row) % channels)
#define FIRST_ROW(j) (j)
#define BLOCK_STRIDE channels
#else
#define STAT_OF_ROW(row) ((row) / group_size)
#define FIRST_ROW(j) ((j) * group_size)
#define BLOCK_STRIDE 0
#endif

// The first passes reduce a row's voxels in one of two fixed orders. GPUs: work-item
// (row, c) takes voxels c, c + chunks, ... in order (interleaved, so neighbouring
// work-items read neighbouring voxels). CPU devices (VECTOR_SPANS; PoCL does not
// vectorise the strided loop): it takes the contiguous span c of the row, eight voxels
// at a time into eight lanes combined in a fixed order, then the span's tail.
static inline int span_begin(const int c, const int spatial, const int chunks) {
    const int span = ((spatial + chunks - 1) / chunks + 7) / 8 * 8;
    return min(c * span, spatial);
}

// Voxels work-item (row, c) of pass 1 reduces.
static inline int chunk_count(const int c, const int spatial, const int chunks) {
#if VECTOR_SPANS
    return span_begin(c + 1, spatial, chunks) - span_begin(c, spatial, chunks);
#else
    return c < spatial ? (spatial - c + chunks - 1) / chunks : 0;
#endif
}

static inline float lane_sum(const float8 v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}

// Moments (mean, sum of squared deviations) of na and nb values merged into one set.
static inline float2 merge_moments(const float2 a, const float na, const float2 b, const float nb) {
    if (nb == 0.0f) return a;
    if (na == 0.0f) return b;
    const float n = na + nb, delta = b.x - a.x;
    return (float2)(a.x + delta * (nb / n), a.y + b.y + delta * delta * (na * nb / n));
}

// The eight lanes' moments (each of `count` values) merged pairwise in a fixed order.
static inline float2 merge_lanes(const float8 mean, const float8 m2, const float count) {
    const float2 l01 = merge_moments((float2)(mean.s0, m2.s0), count, (float2)(mean.s1, m2.s1), count);
    const float2 l23 = merge_moments((float2)(mean.s2, m2.s2), count, (float2)(mean.s3, m2.s3), count);
    const float2 l45 = merge_moments((float2)(mean.s4, m2.s4), count, (float2)(mean.s5, m2.s5), count);
    const float2 l67 = merge_moments((float2)(mean.s6, m2.s6), count, (float2)(mean.s7, m2.s7), count);
    return merge_moments(merge_moments(l01, 2 * count, l23, 2 * count), 4 * count,
                         merge_moments(l45, 2 * count, l67, 2 * count), 4 * count);
}

// partial[(row * chunks + c) * 2 + {0, 1}] = (mean, sum of squared deviations) of work-item
// (row, c)'s voxels, by Welford's update (per lane on CPU devices, merged at the end).
__kernel void norm_row_moments(__global const float* x, __global float* partial, const int rows, const int spatial,
                               const int chunks) {
    const int gid = get_global_id(0);
    if (gid >= rows * chunks) return;
    const int row = gid / chunks, c = gid % chunks;
    __global const float* base = x + (size_t)row * spatial;
#if VECTOR_SPANS
    const int end = span_begin(c + 1, spatial, chunks), step = 1;
    int k = span_begin(c, spatial, chunks);
    float8 lanesMean = (float8)(0.0f), lanesM2 = (float8)(0.0f);
    int vectors = 0;
    for (; k + 8 <= end; k += 8) {
        const float8 v = vload8(0, base + k);
        ++vectors;
        const float8 delta = v - lanesMean;
        lanesMean += delta / (float)vectors;
        lanesM2 = fma(delta, v - lanesMean, lanesM2);
    }
    const float2 lanes = merge_lanes(lanesMean, lanesM2, (float)vectors);
    const float counted = 8.0f * vectors;
#else
    const int end = spatial, step = chunks;
    int k = c;
    const float2 lanes = (float2)(0.0f);
    const float counted = 0.0f;
#endif
    // The strided loop (GPUs), or the span's tail.
    float mean = 0.0f, m2 = 0.0f, count = 0.0f;
    for (; k < end; k += step) {
        const float v = base[k];
        count += 1.0f;
        const float delta = v - mean;
        mean += delta / count;
        m2 = fma(delta, v - mean, m2);
    }
    const float2 moments = merge_moments(lanes, counted, (float2)(mean, m2), count);
    partial[(size_t)gid * 2] = moments.x;
    partial[(size_t)gid * 2 + 1] = moments.y;
}

// Pass 2: statistic j's moments, its rows in order, each row's chunks in order. mean[j],
// inv_std[j] = 1 / sqrt(biased variance + eps); with running statistics (batch norm
// training) also running = (1 - momentum) * running + momentum * batch, unbiased variance.
__kernel void norm_statistics(__global const float* partial, __global float* mean, __global float* inv_std,
                              __global float* running_mean, __global float* running_var, const int statistics,
                              const int blocks, const int spatial, const int chunks, const float epsilon,
                              const float momentum, const int update_running, const int channels, const int group_size) {
    const int j = get_global_id(0);
    if (j >= statistics) return;
    float2 moments = (float2)(0.0f);
    int merged = 0;
    for (int a = 0; a < blocks; ++a)
        for (int k = 0; k < group_size; ++k) {
            const int row = FIRST_ROW(j) + a * BLOCK_STRIDE + k;
            for (int c = 0; c < chunks; ++c) {
                const int n = chunk_count(c, spatial, chunks);
                const size_t p = ((size_t)row * chunks + c) * 2;
                moments = merge_moments(moments, (float)merged, (float2)(partial[p], partial[p + 1]), (float)n);
                merged += n;
            }
        }
    const float count = (float)merged;
    mean[j] = moments.x;
    inv_std[j] = 1.0f / sqrt(moments.y / count + epsilon);
    if (update_running) {
        running_mean[j] = (1.0f - momentum) * running_mean[j] + momentum * moments.x;
        running_var[j] = (1.0f - momentum) * running_var[j] + momentum * (moments.y / (count - 1.0f));
    }
}

// Batch norm in evaluation: the saved statistics are the running ones.
__kernel void norm_running_statistics(__global const float* running_mean, __global const float* running_var,
                                      __global float* mean, __global float* inv_std, const int statistics,
                                      const float epsilon) {
    const int j = get_global_id(0);
    if (j >= statistics) return;
    mean[j] = running_mean[j];
    inv_std[j] = 1.0f / sqrt(running_var[j] + epsilon);
}

// Voxels per work-item of the CPU family's elementwise kernels (float16 vectors, then the tail).
#define APPLY_SPAN 2048

// y = (x - mean) * (inv_std * gamma) + beta. GPUs: global [spatial, rows], one voxel per
// work-item; CPU devices: global [ceil(spatial / APPLY_SPAN), rows], one span per work-item.
__kernel void norm_apply(__global const float* x, __global float* y, __global const float* mean,
                         __global const float* inv_std, __global const float* gamma, __global const float* beta,
                         const int rows, const int spatial, const int channels, const int group_size) {
    const int s = get_global_id(0), row = get_global_id(1);
    const int c = row % channels, j = STAT_OF_ROW(row);
#if VECTOR_SPANS
    const int begin = s * APPLY_SPAN, end = min(begin + APPLY_SPAN, spatial);
    if (begin >= spatial || row >= rows) return;
    const float m = mean[j], scale = inv_std[j] * gamma[c], shift = beta[c];
    __global const float* xr = x + (size_t)row * spatial;
    __global float* yr = y + (size_t)row * spatial;
    int k = begin;
    for (; k + 16 <= end; k += 16) vstore16(fma(vload16(0, xr + k) - m, (float16)(scale), (float16)(shift)), 0, yr + k);
    for (; k < end; ++k) yr[k] = fma(xr[k] - m, scale, shift);
#else
    if (s >= spatial || row >= rows) return;
    const size_t i = (size_t)row * spatial + s;
    y[i] = fma(x[i] - mean[j], inv_std[j] * gamma[c], beta[c]);
#endif
}

// Backward pass 1: partial[(row * chunks + c) * 2 + {0, 1}] = sums of dy and dy * xhat over
// work-item (row, c)'s voxels, in the order of the forward pass 1.
__kernel void norm_backward_partial(__global const float* x, __global const float* dy, __global const float* mean,
                                    __global const float* inv_std, __global float* partial, const int rows,
                                    const int spatial, const int chunks, const int channels,
                                    const int group_size) {
    const int gid = get_global_id(0);
    if (gid >= rows * chunks) return;
    const int row = gid / chunks, c = gid % chunks, j = STAT_OF_ROW(row);
    const float m = mean[j], inv = inv_std[j];
    const size_t base = (size_t)row * spatial;
#if VECTOR_SPANS
    const int end = span_begin(c + 1, spatial, chunks), step = 1;
    int k = span_begin(c, spatial, chunks);
    float8 lanes_dy = (float8)(0.0f), lanes_dy_xhat = (float8)(0.0f);
    for (; k + 8 <= end; k += 8) {
        const float8 g = vload8(0, dy + base + k);
        lanes_dy += g;
        lanes_dy_xhat += g * ((vload8(0, x + base + k) - m) * inv);
    }
    float sum_dy = lane_sum(lanes_dy), sum_dy_xhat = lane_sum(lanes_dy_xhat);
#else
    const int end = spatial, step = chunks;
    int k = c;
    float sum_dy = 0.0f, sum_dy_xhat = 0.0f;
#endif
    // The strided loop (GPUs), or the span's tail.
    for (; k < end; k += step) {
        const float g = dy[base + k];
        sum_dy += g;
        sum_dy_xhat += g * ((x[base + k] - m) * inv);
    }
    partial[(size_t)gid * 2] = sum_dy;
    partial[(size_t)gid * 2 + 1] = sum_dy_xhat;
}

// gradBeta[c] = sum dy, gradGamma[c] = sum dy * xhat over samples (in order) and chunks.
__kernel void norm_backward_parameters(__global const float* partial, __global float* grad_gamma,
                                       __global float* grad_beta, const int samples, const int chunks, const int channels) {
    const int c = get_global_id(0);
    if (c >= channels) return;
    float sum_dy = 0.0f, sum_dy_xhat = 0.0f;
    for (int n = 0; n < samples; ++n)
        for (int k = 0; k < chunks; ++k) {
            const size_t p = ((size_t)(n * channels + c) * chunks + k) * 2;
            sum_dy += partial[p];
            sum_dy_xhat += partial[p + 1];
        }
    grad_beta[c] = sum_dy;
    grad_gamma[c] = sum_dy_xhat;
}

// coefficients[j] = (mean of g, mean of g * xhat) over statistic j, g = dy * gamma[c]:
// each row's chunk sums are added first, then scaled by its channel's gamma.
__kernel void norm_backward_statistics(__global const float* partial, __global const float* gamma,
                                       __global float* coefficients, const int statistics, const int blocks,
                                       const int chunks, const int count, const int channels, const int group_size) {
    const int j = get_global_id(0);
    if (j >= statistics) return;
    float mean_g = 0.0f, mean_g_xhat = 0.0f;
    for (int a = 0; a < blocks; ++a)
        for (int k = 0; k < group_size; ++k) {
            const int row = FIRST_ROW(j) + a * BLOCK_STRIDE + k;
            float row_dy = 0.0f, row_dy_xhat = 0.0f;
            for (int c = 0; c < chunks; ++c) {
                row_dy += partial[((size_t)row * chunks + c) * 2];
                row_dy_xhat += partial[((size_t)row * chunks + c) * 2 + 1];
            }
            mean_g += gamma[row % channels] * row_dy;
            mean_g_xhat += gamma[row % channels] * row_dy_xhat;
        }
    coefficients[2 * j] = mean_g / (float)count;
    coefficients[2 * j + 1] = mean_g_xhat / (float)count;
}

// gradInput = invstd * (dy * gamma - coupled * (mean_g + xhat * mean_g_xhat)); coupled is 0
// for batch norm in evaluation, whose statistics do not depend on the input.
// The GPU family: global [spatial, rows]; CPU devices: global [ceil(spatial / APPLY_SPAN), rows].
__kernel void norm_backward_input(__global const float* x, __global const float* dy, __global const float* mean,
                                  __global const float* inv_std, __global const float* gamma,
                                  __global const float* coefficients, __global float* dx, const int rows,
                                  const int spatial, const int coupled, const int channels, const int group_size) {
    const int s = get_global_id(0), row = get_global_id(1);
    const int c = row % channels, j = STAT_OF_ROW(row);
#if VECTOR_SPANS
    const int begin = s * APPLY_SPAN, end = min(begin + APPLY_SPAN, spatial);
    if (begin >= spatial || row >= rows) return;
    // dx = inv * (dy * gamma - (mean_g + (x - mean) * inv * mean_g_xhat)), subtracting
    // before scaling by inv: where dy * gamma equals its mean (one voxel per statistic)
    // the difference is exactly zero, as in the reference; folding inv into each term
    // first would leave inv times a rounding error (so would contracting dy * gamma -
    // mean_g into one fma: the product is rounded in a statement of its own).
    const float inv = inv_std[j], m = mean[j], gm = gamma[c];
    const size_t base = (size_t)row * spatial;
    int k = begin;
    if (!coupled) {   // the statistics do not depend on x: x is not read (a NaN there stays out)
        const float a = inv * gm;
        for (; k + 16 <= end; k += 16) vstore16(vload16(0, dy + base + k) * a, 0, dx + base + k);
        for (; k < end; ++k) dx[base + k] = dy[base + k] * a;
        return;
    }
    const float mean_g = coefficients[2 * j], b = inv * coefficients[2 * j + 1];
    for (; k + 16 <= end; k += 16) {
        const float16 g = vload16(0, dy + base + k) * gm, centred = vload16(0, x + base + k) - m;
        vstore16((g - fma(centred, (float16)(b), (float16)(mean_g))) * inv, 0, dx + base + k);
    }
    for (; k < end; ++k) {
        const float g = dy[base + k] * gm;   // its own statement: not contracted into an fma
        dx[base + k] = (g - fma(x[base + k] - m, b, mean_g)) * inv;
    }
#else
    if (s >= spatial || row >= rows) return;
    const size_t i = (size_t)row * spatial + s;
    const float inv = inv_std[j];
    float g = dy[i] * gamma[c];
    if (coupled) g -= coefficients[2 * j] + ((x[i] - mean[j]) * inv) * coefficients[2 * j + 1];
    dx[i] = inv * g;
#endif
}
