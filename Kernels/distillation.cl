// The modality-weighted KD loss. Features are [N * M, F]: slice n * M + m is sample n,
// modality m (F = C * d * h * w); M = MODALITIES (a define, so the pair loops unroll).
// `available` is a bit mask of the available set A (an argument: it changes per batch).
// Deterministic: work-item c of `chunks` sums elements c, c + chunks, ... in order
// (neighbours read neighbours), then one work-item runs the second pass in order.

#define M MODALITIES

#if MEAN_SQUARED
#define DISTANCE(d) ((d) * (d))
#define DERIVATIVE(d) (d)            // the factor 2 is in the caller's scale
#else
#define DISTANCE(d) fabs(d)
// sign with sign(0) = 0 at exact ties (OpenCL's sign() gives +-0 there); OpenCL's sign()
// turns NaN into 0, so NaN is selected back in. A select, not a branch: PoCL vectorises it.
#define DERIVATIVE(d) (isnan(d) ? (d) : sign(d))
#endif

inline bool in_set(const int mask, const int m) { return (mask >> m) & 1; }

// Work-item (chunk c, pair i * M + j, sample n), launched 2D as (c, n * M * M + pair):
// the sum over elements c, c + chunks, ... of dist(f[n, i], f[n, j]) for i < j both
// available; every other pair writes 0 (the distance is symmetric).
__kernel void kd_partials(__global const float* features, __global float* partials,
                          const int slice, const int chunks, const int available) {
    const int c = get_global_id(0), sample_pair = get_global_id(1);
    if (c >= chunks) return;
    const int pair = sample_pair % (M * M), n = sample_pair / (M * M);
    const int i = pair / M, j = pair % M;
    float sum = 0.0f;
    if (i < j && in_set(available, i) && in_set(available, j)) {
        __global const float* fi = features + (size_t)(n * M + i) * slice;
        __global const float* fj = features + (size_t)(n * M + j) * slice;
        for (int v = c; v < slice; v += chunks) sum += DISTANCE(fi[v] - fj[v]);
    }
    partials[(size_t)sample_pair * chunks + c] = sum;
}

// One work-item: D[i, j] = mean_n (sum of chunks) / F for pairs of A (mirrored, 0 elsewhere),
// ratios r[i, j] = w_i / w_j = exp(theta_i - theta_j), loss = sum over ordered pairs of A of r * D.
__kernel void kd_finish(__global const float* partials, __global const float* theta,
                        __global float* distances, __global float* ratios, __global float* loss,
                        const int samples, const int slice, const int chunks, const int available) {
    if (get_global_id(0) != 0) return;
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < M; ++j) {
            ratios[i * M + j] = exp(theta[i] - theta[j]);
            if (i >= j) continue;
            float d = 0.0f;
            if (in_set(available, i) && in_set(available, j)) {
                for (int n = 0; n < samples; ++n) {
                    __global const float* part = partials + ((size_t)n * M * M + i * M + j) * chunks;
                    float sum = 0.0f;
                    for (int c = 0; c < chunks; ++c) sum += part[c];
                    d += sum / (float)slice;
                }
                d /= (float)samples;
            }
            distances[i * M + j] = d;
            distances[j * M + i] = d;
        }
        distances[i * M + i] = 0.0f;
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
