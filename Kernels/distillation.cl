// The modality-weighted KD loss. Features are [N * M, F]: slice n * M + m is sample n,
// modality m (F = C * d * h * w); M = MODALITIES (a define, so the pair loops unroll).
// `available` is a bit mask of the available set A (an argument: it changes per batch).
// The per-element distances are elementwise (PoCL vectorises that; a loop per work-item
// runs scalar), summed by the engine's deterministic `reduce`, then one work-item
// finishes in a fixed order. No atomics.

#define M MODALITIES
// Unordered pairs i < j, numbered in lexicographic order: (0,1), (0,2), ..., (M-2, M-1).
#define PAIRS (M * (M - 1) / 2)

#if MEAN_SQUARED
#define DISTANCE(d) ((d) * (d))
#define DERIVATIVE(d) (d)            // the factor 2 is in the caller's scale
#else
#define DISTANCE(d) fabs(d)
// sign with sign(0) = 0 at exact ties (OpenCL's sign() gives +-0 there); OpenCL's sign()
// turns NaN into 0, so NaN is selected back in. A select, not a branch: PoCL vectorises it.
#define DERIVATIVE(d) (isnan(d) ? (d) : sign(d))
#endif

static inline bool in_set(const int mask, const int m) { return (mask >> m) & 1; }

// Launched 2D as (v, n * PAIRS + p): terms[n, p, v] = dist(f[n, i, v], f[n, j, v]) for
// pair p = (i, j). Rows of pairs outside A are skipped (uniformly per row) and never read.
__kernel void kd_terms(__global const float* features, __global float* terms,
                       const int slice, const int available) {
    const int v = get_global_id(0), row = get_global_id(1);
    if (v >= slice) return;
    const int n = row / PAIRS;
    int p = row % PAIRS, i = 0;
    while (p >= M - 1 - i) { p -= M - 1 - i; ++i; }
    const int j = i + 1 + p;
    if (!in_set(available, i) || !in_set(available, j)) return;
    const float d = features[(size_t)(n * M + i) * slice + v] - features[(size_t)(n * M + j) * slice + v];
    terms[(size_t)row * slice + v] = DISTANCE(d);
}

// One work-item, pairs and samples in order: D[i, j] = mean_n sums[n, p] / F for the pairs
// of A (mirrored, 0 elsewhere), ratios r[i, j] = w_i / w_j = exp(theta_i - theta_j),
// loss = sum over ordered pairs of A of r * D.
__kernel void kd_finish(__global const float* sums, __global const float* theta,
                        __global float* distances, __global float* ratios, __global float* loss,
                        const int samples, const int slice, const int available) {
    if (get_global_id(0) != 0) return;
    int p = 0;
    for (int i = 0; i < M; ++i) {
        distances[i * M + i] = 0.0f;
        for (int j = 0; j < M; ++j) ratios[i * M + j] = exp(theta[i] - theta[j]);
        for (int j = i + 1; j < M; ++j, ++p) {
            float d = 0.0f;
            if (in_set(available, i) && in_set(available, j)) {
                for (int n = 0; n < samples; ++n) d += sums[n * PAIRS + p] / (float)slice;
                d /= (float)samples;
            }
            distances[i * M + j] = d;
            distances[j * M + i] = d;
        }
    }
    float total = 0.0f;
    for (int i = 0; i < M; ++i) {
        if (!in_set(available, i)) continue;
        for (int j = 0; j < M; ++j) {
            if (j != i && in_set(available, j)) total += ratios[i * M + j] * distances[i * M + j];
        }
    }
    loss[0] = total;
}

// Student gradient, gathered: element (n, j, v) sums over teachers i != j in A, in
// order of i, r[i, j] * dist'(f[n, j, v] - f[n, i, v]); times scale (1 or 2 over N * F).
// Modalities outside A get 0. Launched 2D as (v, n * M + j): no division per element.
__kernel void kd_backward(__global const float* features, __global const float* ratios,
                          __global float* grad, const int slice, const int available, const float scale) {
    const int v = get_global_id(0), student_slice = get_global_id(1);
    if (v >= slice) return;
    const int j = student_slice % M;
    const size_t index = (size_t)student_slice * slice + v;
    if (!in_set(available, j)) { grad[index] = 0.0f; return; }
    __global const float* sample = features + (size_t)(student_slice - j) * slice + v;
    const float student = features[index];
    float g = 0.0f;
    for (int i = 0; i < M; ++i) {
        if (i == j || !in_set(available, i)) continue;
        const float d = student - sample[(size_t)i * slice];
        g += ratios[i * M + j] * DERIVATIVE(d);
    }
    grad[index] = g * scale;
}

// grad[k] = scale * (sum_{j != k} D[k, j] r[k, j] - sum_{i != k} D[i, k] r[i, k]).
__kernel void kd_theta_gradient(__global const float* distances, __global const float* theta,
                                __global float* grad, const float scale) {
    const int k = get_global_id(0);
    if (k >= M) return;
    float g = 0.0f;
    for (int j = 0; j < M; ++j) {
        if (j != k) g += distances[k * M + j] * exp(theta[k] - theta[j]);
    }
    for (int i = 0; i < M; ++i) {
        if (i != k) g -= distances[i * M + k] * exp(theta[i] - theta[k]);
    }
    grad[k] = scale * g;
}
