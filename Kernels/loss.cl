// Task losses: soft Dice, BCE with logits, softmax cross-entropy.
// Reductions are deterministic: pass 1 has work-item c of `chunks` sum, in order, the
// elements c, c + chunks, c + 2 * chunks, ... (neighbouring work-items read neighbouring
// elements: coalesced on a GPU, contiguous vector loads for PoCL's work-group
// vectoriser); pass 2 is one work-item summing the partials in order. The order depends
// only on the shape, never on the device. No atomics.

// Stable logistic: exp is only taken of a non-positive number. NaN stays NaN.
inline float stable_sigmoid(const float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    const float e = exp(x);
    return e / (1.0f + e);
}

// ---- Soft Dice over rows (n, c) of `voxels` elements ----

// Work-item (row, c): over elements c, c + chunks, ... of the row, sum(p*t), sum(p), sum(t).
__kernel void dice_partials(__global const float* logits, __global const float* targets,
                            __global float* partials, const int rows, const int voxels,
                            const int chunks) {
    const int gid = get_global_id(0);
    if (gid >= rows * chunks) return;
    const int row = gid / chunks;
    __global const float* x = logits + (size_t)row * voxels;
    __global const float* t = targets + (size_t)row * voxels;
    float overlap = 0.0f, sum_p = 0.0f, sum_t = 0.0f;
    for (int v = gid % chunks; v < voxels; v += chunks) {
        const float p = stable_sigmoid(x[v]);
        overlap += p * t[v];
        sum_p += p;
        sum_t += t[v];
    }
    partials[3 * gid + 0] = overlap;
    partials[3 * gid + 1] = sum_p;
    partials[3 * gid + 2] = sum_t;
}

// One work-item: per row, sums its chunks in order into stats[row] = (overlap,
// denominator sum(p) + sum(t) + 1) for the backward, and loss = 1 - mean over rows of dice.
__kernel void dice_finish(__global const float* partials, __global float* stats, __global float* loss,
                          const int rows, const int chunks) {
    if (get_global_id(0) != 0) return;
    float dice_sum = 0.0f;
    for (int row = 0; row < rows; ++row) {
        float overlap = 0.0f, sum_p = 0.0f, sum_t = 0.0f;
        for (int c = 0; c < chunks; ++c) {
            __global const float* part = partials + 3 * ((size_t)row * chunks + c);
            overlap += part[0];
            sum_p += part[1];
            sum_t += part[2];
        }
        const float denominator = sum_p + sum_t + 1.0f;
        stats[2 * row + 0] = overlap;
        stats[2 * row + 1] = denominator;
        dice_sum += 2.0f * overlap / denominator;
    }
    loss[0] = 1.0f - dice_sum / (float)rows;
}

// dloss/dx = scale * (t * den - overlap) / den^2 * sigmoid(x) * sigmoid(-x), scale = -2 / rows.
// sigmoid(x) * sigmoid(-x) rather than p * (1 - p): no cancellation for large x.
// Launched 2D as (voxel, row): no division per element.
__kernel void dice_backward(__global const float* logits, __global const float* targets,
                            __global const float* stats, __global float* grad,
                            const int voxels, const float scale) {
    const int v = get_global_id(0), row = get_global_id(1);
    if (v >= voxels) return;
    const size_t i = (size_t)row * voxels + v;
    const float overlap = stats[2 * row], den = stats[2 * row + 1];
    const float x = logits[i];
    const float slope = stable_sigmoid(x) * stable_sigmoid(-x);
    grad[i] = scale * (targets[i] * den - overlap) / (den * den) * slope;
}

// ---- BCE with logits over the whole tensor ----

// Work-item c: the sum over elements c, c + chunks, ... of max(x, 0) - x * t + log1p(exp(-|x|)).
// The max is a comparison, not fmax, which would drop a NaN (NaN reaches the sum anyway).
__kernel void bce_partials(__global const float* logits, __global const float* targets,
                           __global float* partials, const int count, const int chunks) {
    const int c = get_global_id(0);
    if (c >= chunks) return;
    float sum = 0.0f;
    for (int i = c; i < count; i += chunks) {
        const float x = logits[i];
        sum += (x > 0.0f ? x : 0.0f) - x * targets[i] + log1p(exp(-fabs(x)));
    }
    partials[c] = sum;
}

// dloss/dx = (sigmoid(x) - t) * scale, scale = 1 / (elements per channel).
__kernel void bce_backward(__global const float* logits, __global const float* targets,
                           __global float* grad, const int count, const float scale) {
    const int i = get_global_id(0);
    if (i < count) grad[i] = (stable_sigmoid(logits[i]) - targets[i]) * scale;
}

// ---- Softmax cross-entropy, one work-item per sample ----

// row_loss[n] = logsumexp(x[n]) - x[n, label]; with WITH_GRADIENT also
// grad[n, k] = (softmax(x[n])[k] - [k == label]) * scale. Labels that are not an
// integer in 0..<K give NaN (the comparisons fail for NaN labels too).
__kernel void xent_rows(__global const float* logits, __global const float* labels,
                        __global float* row_loss, __global float* grad,
                        const int batch, const int classes, const float scale) {
    const int n = get_global_id(0);
    if (n >= batch) return;
    __global const float* x = logits + (size_t)n * classes;
    float maximum = x[0];
    for (int k = 1; k < classes; ++k) maximum = fmax(maximum, x[k]);
    float sum = 0.0f;
    for (int k = 0; k < classes; ++k) sum += exp(x[k] - maximum);   // a NaN logit makes sum NaN
    const float label = labels[n];
    const bool valid = label >= 0.0f && label < (float)classes && label == floor(label);
    const int target = valid ? (int)label : 0;
    row_loss[n] = valid ? maximum + log(sum) - x[target] : NAN;
#if WITH_GRADIENT
    __global float* g = grad + (size_t)n * classes;
    for (int k = 0; k < classes; ++k) {
        const float softmax = exp(x[k] - maximum) / sum;
        g[k] = valid ? (softmax - (k == target ? 1.0f : 0.0f)) * scale : NAN;
    }
#endif
}

// ---- Shared second pass ----

// One work-item: out[0] = factor * (sum of values in order).
__kernel void ordered_sum(__global const float* values, __global float* out, const int count, const float factor) {
    if (get_global_id(0) != 0) return;
    float sum = 0.0f;
    for (int i = 0; i < count; ++i) sum += values[i];
    out[0] = sum * factor;
}
