// 3D max pooling and global average pooling, NCDHW. The window is fixed at build time:
// -D KD,KH,KW (kernel), SD,SH,SW (stride), PD,PH,PW (padding), so the loops unroll.
// Forward: one work-item per output. Backward gathers: one work-item per input voxel
// visits, in ascending order, the windows that contain it. No atomics.
// Launched 3D as (w, h, volume * depth + d): the work-items PoCL vectorises differ only
// in w, so the one integer division per item (by the depth) is uniform across a vector.

#ifdef KD
// Output windows along one axis that contain input position i (an empty range if none).
static inline int first_window(const int i, const int k, const int s, const int p) { return max(0, i + p - k + s) / s; }
static inline int last_window(const int i, const int s, const int p, const int outputs) { return min(outputs - 1, (i + p) / s); }

// argmax holds the winner's flat index inside its (n, c) volume, as a float (exact below 2^24).
// Ties keep the first maximum in window order; the first NaN wins and stays.
__kernel void max_pool_forward(__global const float* x, __global float* y, __global float* argmax, const int volumes,
                               const int D, const int H, const int W, const int OD, const int OH, const int OW) {
    const int ow = get_global_id(0), oh = get_global_id(1), plane = get_global_id(2);
    if (ow >= OW || oh >= OH || plane >= volumes * OD) return;
    const int od = plane % OD, volume = plane / OD;
    const size_t flat = ((size_t)plane * OH + oh) * OW + ow;
    __global const float* base = x + (size_t)volume * D * H * W;
    float best = NAN;
    int best_index = -1;
    for (int kd = 0; kd < KD; ++kd) {
        const int d = od * SD - PD + kd;
        if (d < 0 || d >= D) continue;
        for (int kh = 0; kh < KH; ++kh) {
            const int h = oh * SH - PH + kh;
            if (h < 0 || h >= H) continue;
            for (int kw = 0; kw < KW; ++kw) {
                const int w = ow * SW - PW + kw;
                if (w < 0 || w >= W) continue;
                const int index = (d * H + h) * W + w;
                const float v = base[index];
                if (best_index < 0 || v > best || (isnan(v) && !isnan(best))) { best = v; best_index = index; }
            }
        }
    }
    y[flat] = best;
    argmax[flat] = (float)best_index;
}

__kernel void max_pool_backward(__global const float* g, __global const float* argmax, __global float* gi, const int volumes,
                                const int D, const int H, const int W, const int OD, const int OH, const int OW) {
    const int w = get_global_id(0), h = get_global_id(1), plane = get_global_id(2);
    if (w >= W || h >= H || plane >= volumes * D) return;
    const int d = plane % D, volume = plane / D;
    const size_t flat = ((size_t)plane * H + h) * W + w;
    const float own = (float)((d * H + h) * W + w);
    const size_t base = (size_t)volume * OD * OH * OW;
    const int od0 = first_window(d, KD, SD, PD), od1 = last_window(d, SD, PD, OD);
    const int oh0 = first_window(h, KH, SH, PH), oh1 = last_window(h, SH, PH, OH);
    const int ow0 = first_window(w, KW, SW, PW), ow1 = last_window(w, SW, PW, OW);
    float sum = 0.0f;
    for (int od = od0; od <= od1; ++od)
        for (int oh = oh0; oh <= oh1; ++oh)
            for (int ow = ow0; ow <= ow1; ++ow) {
                const size_t o = base + (od * OH + oh) * OW + ow;
                if (argmax[o] == own) sum += g[o];
            }
    gi[flat] = sum;
}
#endif

// Global average pooling over D, H, W of each (n, c) row: pass 1 sums chunk c of row r
// in order, pass 2 sums a row's chunks in order and divides (deterministic, no atomics).
__kernel void row_sum_partial(__global const float* x, __global float* partial, const int rows, const int length,
                              const int chunk, const int chunks) {
    const int gid = get_global_id(0);
    if (gid >= rows * chunks) return;
    const int row = gid / chunks, c = gid % chunks;
    __global const float* base = x + (size_t)row * length;
    const int end = min(length, (c + 1) * chunk);
    float sum = 0.0f;
    for (int k = c * chunk; k < end; ++k) sum += base[k];
    partial[gid] = sum;
}

__kernel void row_mean_finish(__global const float* partial, __global float* out, const int rows, const int chunks,
                              const int length) {
    const int row = get_global_id(0);
    if (row >= rows) return;
    float sum = 0.0f;
    for (int c = 0; c < chunks; ++c) sum += partial[(size_t)row * chunks + c];
    out[row] = sum / (float)length;
}

__kernel void broadcast_mean_backward(__global const float* g, __global float* gi, const int n, const int length) {
    const int i = get_global_id(0);
    if (i >= n) return;
    gi[i] = g[i / length] / (float)length;
}
