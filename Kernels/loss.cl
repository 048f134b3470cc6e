// Task losses: soft Dice, BCE with logits, softmax cross-entropy.
// The per-voxel work is elementwise (one work-item per voxel, which PoCL's work-group
// vectoriser turns into vector exp/log; a per-work-item loop over a chunk ran scalar and
// measured 3-10x slower); the sums then go through the engine's deterministic `reduce`
// (fixed chunks in order, then the chunks in order). No atomics.
// WITH_GRADIENT selects the fused forward + backward variants.

// Stable logistic without branches (PoCL vectorises selects, not branches; measured
// 2x faster): with e = exp(-|x|) <= 1 and s = 1 / (1 + e), sigmoid(x) = s for x >= 0
// and e * s below. NaN stays NaN; +-Inf give 1 and 0.
static inline float stable_sigmoid(const float x) {
    const float e = exp(-fabs(x));
    const float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

// sigmoid(x) * sigmoid(-x) = e * s^2: the logistic's slope, with no cancellation for
// large |x| (unlike p * (1 - p)).
static inline float sigmoid_slope(const float x) {
    const float e = exp(-fabs(x));
    const float s = 1.0f / (1.0f + e);
    return e * s * s;
}

// ---- Soft Dice over rows (n, c) of `voxels` elements ----

// Launched 2D as (voxel, row): terms[row, 0, v] = p * t, terms[row, 1, v] = p,
// terms[row, 2, v] = t, so one reduction along the last axis gives the three row sums.
__kernel void dice_terms(__global const float* logits, __global const float* targets,
                         __global float* terms, const int voxels) {
    const int v = get_global_id(0), row = get_global_id(1);
    if (v >= voxels) return;
    const size_t i = (size_t)row * voxels + v;
    const float p = stable_sigmoid(logits[i]), t = targets[i];
    __global float* out = terms + (size_t)row * 3 * voxels + v;
    out[0] = p * t;
    out[voxels] = p;
    out[2 * (size_t)voxels] = t;
}

// One work-item, rows in order: from sums[row] = (sum(p*t), sum(p), sum(t)) and
// den = sum(p) + sum(t) + 1, writes loss = 1 - mean over rows of dice (= mean over
// channels of 1 - mean over the batch) and the backward's per-row coefficients
// coefficients[row] = (scale / den, -scale * overlap / den^2), scale = -2 / rows, so that
// dloss/dp = t * coefficients[row].x + coefficients[row].y (no division per voxel).
__kernel void dice_finish(__global const float* sums, __global float* coefficients, __global float* loss,
                          const int rows, const float scale) {
    if (get_global_id(0) != 0) return;
    float dice_sum = 0.0f;
    for (int row = 0; row < rows; ++row) {
        const float overlap = sums[3 * row];
        const float denominator = sums[3 * row + 1] + sums[3 * row + 2] + 1.0f;
        coefficients[2 * row + 0] = scale / denominator;
        coefficients[2 * row + 1] = -scale * overlap / (denominator * denominator);
        dice_sum += 2.0f * overlap / denominator;
    }
    loss[0] = 1.0f - dice_sum / (float)rows;
}

// dloss/dx = (t * a + b) * sigmoid(x) * sigmoid(-x), (a, b) = coefficients[row].
// Launched 2D as (voxel, row): no division per element for the row index.
__kernel void dice_backward(__global const float* logits, __global const float* targets,
                            __global const float* coefficients, __global float* grad, const int voxels) {
    const int v = get_global_id(0), row = get_global_id(1);
    if (v >= voxels) return;
    const size_t i = (size_t)row * voxels + v;
    grad[i] = (targets[i] * coefficients[2 * row] + coefficients[2 * row + 1]) * sigmoid_slope(logits[i]);
}

// ---- BCE with logits ----

// log(1 + e) for e in [0, 1], from log(1 + e) = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...)
// with z = e / (2 + e) <= 1/3: after the z^15 term the series' remainder is below
// (1/9)^8 / 17 ~ 1.4e-9 relative, far under float's 6e-8. Only +, *, / : PoCL vectorises
// it, where its log1p (and log) ran scalar and measured 6-10x slower than exp.
static inline float log1p_unit(const float e) {
    const float z = e / (2.0f + e);
    const float q = z * z;
    float p = 1.0f / 15.0f;
    p = p * q + 1.0f / 13.0f;
    p = p * q + 1.0f / 11.0f;
    p = p * q + 1.0f / 9.0f;
    p = p * q + 1.0f / 7.0f;
    p = p * q + 1.0f / 5.0f;
    p = p * q + 1.0f / 3.0f;
    p = p * q + 1.0f;
    return 2.0f * z * p;
}

// terms[i] = max(x, 0) - x * t + log(1 + exp(-|x|)), and with WITH_GRADIENT also
// grad[i] = (sigmoid(x) - t) * scale (scale = 1 / elements per channel) in the same pass.
// The max is a comparison, not fmax, which would drop a NaN (NaN reaches the sum anyway).
__kernel void bce_terms(__global const float* logits, __global const float* targets,
                        __global float* terms, __global float* grad, const int count, const float scale) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float x = logits[i], t = targets[i];
    terms[i] = (x > 0.0f ? x : 0.0f) - x * t + log1p_unit(exp(-fabs(x)));
#if WITH_GRADIENT
    grad[i] = (stable_sigmoid(x) - t) * scale;
#endif
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
