// Batch, instance and group normalisation. An NCDHW tensor is viewed as rows r = n * C + c
// of S = D * H * W voxels. Statistic j owns the rows first(j) + a * BLOCK_STRIDE + k for
// a < blocks, k < group_size (batch norm: row c of every sample; instance and group norm:
// group_size consecutive rows of one sample). Every sum is deterministic: in pass 1,
// work-item (row, c) of `chunks` per row sums its share of the row in a fixed order
// (below); pass 2 adds a statistic's rows and partials in a fixed order. No atomics.
//
// Build-time defines: ACROSS_BATCH (0/1); DEVIATION selects the squared-deviation
// variant of the first pass; VECTOR_SPANS (0/1) the explicit-vector first passes for
// CPU devices. Channel and group counts are arguments, so one program
// serves every layer (PoCL spends ~0.5 s per program build). Elementwise kernels run
// 2D as (voxel, row): the row, and every division by it, is uniform across a vector.

#if ACROSS_BATCH
#define STAT_OF_ROW(row) ((row) % channels)
#define FIRST_ROW(j) (j)
#define BLOCK_STRIDE channels
#else
#define STAT_OF_ROW(row) ((row) / group_size)
#define FIRST_ROW(j) ((j) * group_size)
#define BLOCK_STRIDE 0
#endif

// The first passes sum a row's voxels in one of two fixed orders. GPUs: work-item
// (row, c) takes voxels c, c + chunks, ... in order (interleaved, so neighbouring
// work-items read neighbouring voxels). CPU devices (VECTOR_SPANS; PoCL does not
// vectorise the strided loop): it takes the contiguous span c of the row, eight voxels
// at a time into eight lane sums added in a fixed order, then the span's tail.
static inline int span_begin(const int c, const int spatial, const int chunks) {
    const int span = ((spatial + chunks - 1) / chunks + 7) / 8 * 8;
    return min(c * span, spatial);
}

static inline float lane_sum(const float8 v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}

// What pass 1 sums per voxel: x, or (x - mean)^2 with DEVIATION (for floats and float8s).
#ifdef DEVIATION
#define ROW_TERM(v) (((v) - m) * ((v) - m))
#else
#define ROW_TERM(v) (v)
#endif

// partial[row * chunks + c] = the sum of ROW_TERM over work-item (row, c)'s voxels.
__kernel void norm_row_partial(__global const float* x, __global const float* mean, __global float* partial,
                               const int rows, const int spatial, const int chunks,
                               const int channels, const int group_size) {
    const int gid = get_global_id(0);
    if (gid >= rows * chunks) return;
    const int row = gid / chunks, c = gid % chunks;
    __global const float* base = x + (size_t)row * spatial;
#ifdef DEVIATION
    const float m = mean[STAT_OF_ROW(row)];
#endif
#if VECTOR_SPANS
    const int end = span_begin(c + 1, spatial, chunks), step = 1;
    int k = span_begin(c, spatial, chunks);
    float8 lanes = (float8)(0.0f);
    for (; k + 8 <= end; k += 8) {
        const float8 v = vload8(0, base + k);
        lanes += ROW_TERM(v);
    }
    float sum = lane_sum(lanes);
#else
    const int end = spatial, step = chunks;
    int k = c;
    float sum = 0.0f;
#endif
    // The strided loop (GPUs), or the span's tail.
    for (; k < end; k += step) sum += ROW_TERM(base[k]);
    partial[gid] = sum;
}

// Sum of statistic j's partials: its rows in order, each row's chunks in order.
static inline float statistic_sum(__global const float* partial, const int j, const int blocks, const int chunks,
                           const int channels, const int group_size) {
    float sum = 0.0f;
    for (int a = 0; a < blocks; ++a)
        for (int k = 0; k < group_size; ++k) {
            const int row = FIRST_ROW(j) + a * BLOCK_STRIDE + k;
            for (int c = 0; c < chunks; ++c) sum += partial[(size_t)row * chunks + c];
        }
    return sum;
}

__kernel void norm_mean(__global const float* partial, __global float* mean, const int statistics, const int blocks,
                        const int chunks, const int count, const int channels, const int group_size) {
    const int j = get_global_id(0);
    if (j >= statistics) return;
    mean[j] = statistic_sum(partial, j, blocks, chunks, channels, group_size) / (float)count;
}

// invstd = 1 / sqrt(biased variance + eps). With running statistics (batch norm training)
// also running = (1 - momentum) * running + momentum * batch, unbiased variance.
__kernel void norm_inverse_std(__global const float* partial, __global const float* mean, __global float* inv_std,
                               __global float* running_mean, __global float* running_var, const int statistics,
                               const int blocks, const int chunks, const int count, const float epsilon,
                               const float momentum, const int update_running, const int channels, const int group_size) {
    const int j = get_global_id(0);
    if (j >= statistics) return;
    const float squares = statistic_sum(partial, j, blocks, chunks, channels, group_size);
    inv_std[j] = 1.0f / sqrt(squares / (float)count + epsilon);
    if (update_running) {
        running_mean[j] = (1.0f - momentum) * running_mean[j] + momentum * mean[j];
        running_var[j] = (1.0f - momentum) * running_var[j] + momentum * (squares / (float)(count - 1));
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

__kernel void norm_apply(__global const float* x, __global float* y, __global const float* mean,
                         __global const float* inv_std, __global const float* gamma, __global const float* beta,
                         const int rows, const int spatial, const int channels, const int group_size) {
    const int s = get_global_id(0), row = get_global_id(1);
    if (s >= spatial || row >= rows) return;
    const int c = row % channels, j = STAT_OF_ROW(row);
    const size_t i = (size_t)row * spatial + s;
    y[i] = (x[i] - mean[j]) * (inv_std[j] * gamma[c]) + beta[c];
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
__kernel void norm_backward_input(__global const float* x, __global const float* dy, __global const float* mean,
                                  __global const float* inv_std, __global const float* gamma,
                                  __global const float* coefficients, __global float* dx, const int rows,
                                  const int spatial, const int coupled, const int channels, const int group_size) {
    const int s = get_global_id(0), row = get_global_id(1);
    if (s >= spatial || row >= rows) return;
    const int c = row % channels, j = STAT_OF_ROW(row);
    const size_t i = (size_t)row * spatial + s;
    const float inv = inv_std[j];
    float g = dy[i] * gamma[c];
    if (coupled) g -= coefficients[2 * j] + ((x[i] - mean[j]) * inv) * coefficients[2 * j + 1];
    dx[i] = inv * g;
}
