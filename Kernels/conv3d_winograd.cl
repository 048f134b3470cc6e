// The forward of a convolution whose W geometry is the paper model's stem (KW 7, SW 2,
// DW 1) for CPU-class devices, by minimal filtering (Winograd's F(2,3)) along W: 10
// multiplies for each pair of neighbouring outputs where the direct form takes 14.
//
// Lane l of group g (VW lanes, 2 VW outputs) holds outputs x0 = 2 VW g + 2 l and
// x0 + 1, which read the 9 inputs in[t] = x[4 VW g + 4 l + t - PW], t = 0 .. 8 (zero
// outside the row). With P_m = in[2m] (m = 0 .. 4) and Q_m = in[2m + 1] (m = 0 .. 3):
//   y(x0)     = w0 P0 + w2 P1 + w4 P2 + w6 P3 + w1 Q0 + w3 Q1 + w5 Q2
//   y(x0 + 1) = w0 P1 + w2 P2 + w4 P3 + w6 P4 + w1 Q1 + w3 Q2 + w5 Q3
// The even taps (w0, w2, w4) on P0..P3 and the odd ones (w1, w3, w5) on Q0..Q3 are each
// an F(2,3): for d0..d3 and g0..g2,
//   (d0 - d2) g0, (d1 + d2)(g0 + g1 + g2) / 2, (d2 - d1)(g0 - g1 + g2) / 2, (d1 - d3) g2
// are m0..m3, and y0 = m0 + m1 + m2, y1 = m1 - m2 - m3. w6's two terms go straight into
// the m0 (+ w6 P3) and m3 (- w6 P4) sums, and the even and odd parts' m share sums
// (their output coefficients are the same), so each output channel keeps 4 vector
// accumulators a0..a3 for its pair of outputs. Every sum over taps, input channels and
// D/H is in the transformed domain; the rounding differs from the direct form's by a
// few ulps of the sum of |w x| (tested against the CPU reference).
//
// winograd_input writes each row's 10 transformed vectors per group once (the 9 inputs'
// differences above and P3, P4 as they are), winograd_weights the 10 matching weights
// per output channel, and conv3d_forward_winograd sums, per D/H tap in range (as
// conv3d_forward_rows: taps wholly in the padding are skipped), 10 vector FMAs per
// channel of its block of CB.
//
// Defines: KD KH SD SH PD PH DD DH (D and H geometry), PW (W padding), VW (16), CB.

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define TRANSFORMED 10

// The accumulator each transformed vector adds to: a0 (P0 - P2, P3, Q0 - Q2),
// a1 (P1 + P2, Q1 + Q2), a2 (P2 - P1, Q2 - Q1), a3 (P1 - P3, P4, Q1 - Q3).
#define SLOT(i) ((i) == 0 || (i) == 4 || (i) == 6 ? 0 : (i) == 1 || (i) == 7 ? 1 : (i) == 2 || (i) == 8 ? 2 : 3)

static inline int first_tap(const int base, const int dilation) {
    return base >= 0 ? 0 : (-base + dilation - 1) / dilation;
}
static inline int end_tap(const int base, const int dilation, const int extent, const int K) {
    return base >= extent ? 0 : min(K, (extent - base + dilation - 1) / dilation);
}

// t[row][g][i][l] for each row (n, ci, d, h) of x and group g. A work-item per plane
// (n, ci, d), its rows one after the other (PoCL pays per work-group, so not per row):
// each group's inputs staged with the row's zero padding, then transformed lane by lane.
// global [planes], local [1].
__kernel void winograd_input(__global const float* x, __global float* t, const int planes, const int H, const int W,
                             const int groups) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    for (int r = plane * H; r < (plane + 1) * H; ++r) {
        __global const float* src = x + (size_t)r * W;
        for (int g = 0; g < groups; ++g) {
            float in[4 * VW + 8];
            const int c0 = 4 * VW * g - PW;
            if (c0 >= 0 && c0 + 4 * VW + 8 <= W) {
                for (int k = 0; k < 4 * VW + 8; ++k) in[k] = src[c0 + k];
            } else {
                for (int k = 0; k < 4 * VW + 8; ++k) in[k] = c0 + k >= 0 && c0 + k < W ? src[c0 + k] : 0.0f;
            }
            __global float* dst = t + ((size_t)r * groups + g) * TRANSFORMED * VW;
            for (int l = 0; l < VW; ++l) {
                const float* p = in + 4 * l;   // p[k] = in[k] of lane l above
                dst[0 * VW + l] = p[0] - p[4];
                dst[1 * VW + l] = p[2] + p[4];
                dst[2 * VW + l] = p[4] - p[2];
                dst[3 * VW + l] = p[2] - p[6];
                dst[4 * VW + l] = p[6];
                dst[5 * VW + l] = p[8];
                dst[6 * VW + l] = p[1] - p[5];
                dst[7 * VW + l] = p[3] + p[5];
                dst[8 * VW + l] = p[5] - p[3];
                dst[9 * VW + l] = p[3] - p[7];
            }
        }
    }
}

// wt[cob][ci][kd][kh][i][CB] from w[co][ci][kd][kh][7]; channels past CO get zeros.
// A work-item per (co, ci), every tap: global [coBlocks * CB * CI], local [1].
__kernel void winograd_weights(__global const float* w, __global float* wt, const int CI, const int CO, const int coBlocks) {
    const int gid = get_global_id(0);
    if (gid >= coBlocks * CB * CI) return;
    const int ci = gid % CI, co = gid / CI;
    for (int tap = 0; tap < KD * KH; ++tap) {
        float g[7];
        #pragma unroll
        for (int k = 0; k < 7; ++k) g[k] = co < CO ? w[(((size_t)co * CI + ci) * KD * KH + tap) * 7 + k] : 0.0f;
        __global float* dst = wt + ((((size_t)(co / CB) * CI + ci) * KD * KH + tap) * TRANSFORMED) * CB + co % CB;
        dst[0 * CB] = g[0];
        dst[1 * CB] = (g[0] + g[2] + g[4]) * 0.5f;
        dst[2 * CB] = (g[0] - g[2] + g[4]) * 0.5f;
        dst[3 * CB] = g[4];
        dst[4 * CB] = g[6];
        dst[5 * CB] = -g[6];
        dst[6 * CB] = g[1];
        dst[7 * CB] = (g[1] + g[3] + g[5]) * 0.5f;
        dst[8 * CB] = (g[1] - g[3] + g[5]) * 0.5f;
        dst[9 * CB] = g[5];
    }
}

// Outputs x0, x0 + 1 of each lane, interleaved into the row's 2 VW consecutive results.
// 16 lanes only: with AVX2's register budget (2 channels per work-item, each FMA with its
// own broadcast weight) this form measured slower than conv3d_forward_rows.
#if VW != 16
#error "conv3d_forward_winograd is built for 16-lane vectors"
#endif
#define INTERLEAVE_LOW (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define INTERLEAVE_HIGH (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)

// A work-item: one group of 2 VW outputs of one output row x CB output channels.
// global [groups, outH, N * outD * coBlocks], local [1, 1, 1].
__kernel void conv3d_forward_winograd(__global const float* t, __global const float* wt, __global const float* bias,
                                      __global float* y, const int N, const int CI, const int CO, const int inD,
                                      const int inH, const int groups, const int outD, const int outH, const int outW,
                                      const int hasBias) {
    const int coBlocks = (CO + CB - 1) / CB;
    const int g = get_global_id(0), oh = get_global_id(1), z = get_global_id(2);
    if (g >= groups || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[CB][4];
    #pragma unroll
    for (int c = 0; c < CB; ++c)
        #pragma unroll
        for (int s = 0; s < 4; ++s) acc[c][s] = (VEC)(0.0f);
    const int id0 = od * SD - PD, ih0 = oh * SH - PH;
    const int kd0 = first_tap(id0, DD), kd1 = end_tap(id0, DD, inD, KD);
    const int kh0 = first_tap(ih0, DH), kh1 = end_tap(ih0, DH, inH, KH);
    for (int ci = 0; ci < CI; ++ci)
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                const int row = ((n * CI + ci) * inD + id0 + kd * DD) * inH + ih0 + kh * DH;
                __global const float* src = t + ((size_t)row * groups + g) * TRANSFORMED * VW;
                __global const float* w = wt + ((((size_t)cob * CI + ci) * KD + kd) * KH + kh) * TRANSFORMED * CB;
                #pragma unroll
                for (int i = 0; i < TRANSFORMED; ++i) {
                    const VEC v = VLOAD(i, src);
                    #pragma unroll
                    for (int c = 0; c < CB; ++c) acc[c][SLOT(i)] = fma(v, (VEC)(w[i * CB + c]), acc[c][SLOT(i)]);
                }
            }
    const int positions = min(2 * VW, outW - 2 * VW * g);
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int co = cob * CB + c;
        if (co >= CO) break;
        const VEC b = (VEC)(hasBias ? bias[co] : 0.0f);
        const VEC y0 = acc[c][0] + acc[c][1] + acc[c][2] + b, y1 = acc[c][1] - acc[c][2] - acc[c][3] + b;
        const VEC low = shuffle2(y0, y1, INTERLEAVE_LOW), high = shuffle2(y0, y1, INTERLEAVE_HIGH);
        __global float* out = y + ((size_t)(n * CO + co) * outD + od) * outH * outW + (size_t)oh * outW + 2 * VW * g;
        if (positions == 2 * VW) {
            VSTORE(low, 0, out);
            VSTORE(high, 1, out);
        } else {
            float lanes[2 * VW];
            VSTORE(low, 0, lanes);
            VSTORE(high, 1, lanes);
            for (int l = 0; l < positions; ++l) out[l] = lanes[l];
        }
    }
}
