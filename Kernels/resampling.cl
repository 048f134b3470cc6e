// Upsampling of NCDHW volumes by integer scales fixed at build time (-D SD, SH, SW).
// Trilinear uses align_corners = true: along an axis, output o reads source coordinate
// o * ratio with ratio = (in - 1) / (out - 1), computed on the host. Forward: one
// work-item per output. Backward gathers, no atomics: nearest sums each input voxel's
// block of outputs in order; trilinear runs one separable pass per upsampled axis, each
// input position summing, in ascending order, the weighted outputs that read it.
// Volume kernels launch 3D as (w, h, volume * depth + d): a vector differs only in w.

// Lower tap, upper tap and the upper tap's weight for output position o.
static inline int lower_tap(const int o, const float ratio, const int inputs) { return min((int)((float)o * ratio), inputs - 1); }

static inline float tap_weight(const int o, const int index, const float ratio, const int inputs) {
    const float source = (float)o * ratio;
    const int lower = min((int)source, inputs - 1), upper = min(lower + 1, inputs - 1);
    const float t = source - (float)lower;
    return (lower == index ? 1.0f - t : 0.0f) + (upper == index ? t : 0.0f);
}

__kernel void upsample_nearest_forward(__global const float* x, __global float* y, const int volumes,
                                       const int D, const int H, const int W, const float rd, const float rh, const float rw) {
    const int OD = D * SD, OH = H * SH, OW = W * SW;
    const int ow = get_global_id(0), oh = get_global_id(1), plane = get_global_id(2);
    if (ow >= OW || oh >= OH || plane >= volumes * OD) return;
    const int od = plane % OD, volume = plane / OD;
    const size_t flat = ((size_t)plane * OH + oh) * OW + ow;
    y[flat] = x[(size_t)volume * D * H * W + ((od / SD) * H + oh / SH) * W + ow / SW];
}

__kernel void upsample_nearest_backward(__global const float* g, __global float* gi, const int volumes,
                                        const int D, const int H, const int W, const float rd, const float rh, const float rw) {
    const int OD = D * SD, OH = H * SH, OW = W * SW;
    const int w = get_global_id(0), h = get_global_id(1), plane = get_global_id(2);
    if (w >= W || h >= H || plane >= volumes * D) return;
    const int d = plane % D, volume = plane / D;
    const size_t flat = ((size_t)plane * H + h) * W + w;
    __global const float* base = g + (size_t)volume * OD * OH * OW;
    float sum = 0.0f;
    for (int od = d * SD; od < (d + 1) * SD; ++od)
        for (int oh = h * SH; oh < (h + 1) * SH; ++oh)
            for (int ow = w * SW; ow < (w + 1) * SW; ++ow) sum += base[(od * OH + oh) * OW + ow];
    gi[flat] = sum;
}

__kernel void upsample_trilinear_forward(__global const float* x, __global float* y, const int volumes,
                                         const int D, const int H, const int W, const float rd, const float rh, const float rw) {
    const int OD = D * SD, OH = H * SH, OW = W * SW;
    const int ow = get_global_id(0), oh = get_global_id(1), plane = get_global_id(2);
    if (ow >= OW || oh >= OH || plane >= volumes * OD) return;
    const int od = plane % OD, volume = plane / OD;
    const size_t flat = ((size_t)plane * OH + oh) * OW + ow;
    __global const float* base = x + (size_t)volume * D * H * W;
    const int d0 = lower_tap(od, rd, D), h0 = lower_tap(oh, rh, H), w0 = lower_tap(ow, rw, W);
    const int d1 = min(d0 + 1, D - 1), h1 = min(h0 + 1, H - 1), w1 = min(w0 + 1, W - 1);
    const float ld = (float)od * rd - (float)d0, lh = (float)oh * rh - (float)h0, lw = (float)ow * rw - (float)w0;
    // Interpolate along W, then H, then D (the CPU reference's order).
#define ALONG_W(d, h) (base[((d) * H + (h)) * W + w0] * (1.0f - lw) + base[((d) * H + (h)) * W + w1] * lw)
#define ALONG_H(d) (ALONG_W(d, h0) * (1.0f - lh) + ALONG_W(d, h1) * lh)
    y[flat] = ALONG_H(d0) * (1.0f - ld) + ALONG_H(d1) * ld;
#undef ALONG_H
#undef ALONG_W
}

// Outputs whose taps can reach input i lie where o * ratio is in (i - 1, i + 1); the
// range is widened by one on each side and tap_weight decides exactly.
static inline int first_output(const int i, const float ratio) { return ratio > 0.0f ? max(0, (int)((float)(i - 1) / ratio) - 1) : 0; }
static inline int last_output(const int i, const float ratio, const int outputs) {
    return ratio > 0.0f ? min(outputs - 1, (int)((float)(i + 1) / ratio) + 1) : outputs - 1;
}

// The trilinear backward is separable: the transpose of the 1D interpolation along W,
// then H, then D (axes with scale 1 are the identity and skipped on the host). One pass
// views its input as [outer, outputs, inner] and writes [outer, inputs, inner]:
// gi[a, i, b] = sum over o ascending of tap_weight(o, i) * g[a, o, b].
// Along H and D the work-items of a vector share i, hence the same o range.
__kernel void linear_backward_axis(__global const float* g, __global float* gi, const int outer, const int inputs,
                                   const int outputs, const int inner, const float ratio) {
    const int b = get_global_id(0), i = get_global_id(1), a = get_global_id(2);
    if (b >= inner || i >= inputs || a >= outer) return;
    const int o0 = first_output(i, ratio), o1 = last_output(i, ratio, outputs);
    __global const float* base = g + (size_t)a * outputs * inner + b;
    float sum = 0.0f;
    for (int o = o0; o <= o1; ++o) {
        const float w = tap_weight(o, i, ratio, inputs);
        if (w != 0.0f) sum += w * base[(size_t)o * inner];
    }
    gi[((size_t)a * inputs + i) * inner + b] = sum;
}

// The same pass along W (inner = 1), launched as (i, a) so a vector spans neighbouring i.
__kernel void linear_backward_last_axis(__global const float* g, __global float* gi, const int outer, const int inputs,
                                        const int outputs, const float ratio) {
    const int i = get_global_id(0), a = get_global_id(1);
    if (i >= inputs || a >= outer) return;
    const int o0 = first_output(i, ratio), o1 = last_output(i, ratio, outputs);
    __global const float* base = g + (size_t)a * outputs;
    float sum = 0.0f;
    for (int o = o0; o <= o1; ++o) {
        const float w = tap_weight(o, i, ratio, inputs);
        if (w != 0.0f) sum += w * base[o];
    }
    gi[(size_t)a * inputs + i] = sum;
}
