// Lab, not embedded (timed by winograd_s2_lab.py; Kernels/dev/README.md has the figures):
// the forward of a convolution whose W axis has kernel 3, stride 2, padding 1 and
// dilation 1 (the paper model's strided 3^3 layers), by minimal filtering along W, for
// CPU-class devices with 16-lane vectors over output channels.
//
// Output o of a row reads x[2o - 1], x[2o], x[2o + 1] with taps w0, w1, w2. Split the row
// into its phases: the odd inputs d[j] = x[2j - 1] meet w0 and w2, the even inputs
// e[j] = x[2j] meet w1 alone. Two neighbouring outputs o = 2p, 2p + 1 take
//   y0 = w0 d0 + w2 d1 + w1 e0,   y1 = w0 d1 + w2 d2 + w1 e1
// with d0..d2 = x[4p - 1], x[4p + 1], x[4p + 3] and e0, e1 = x[4p], x[4p + 2]. The odd
// phase is Winograd's F(2,2): m1 = (d0 - d1) w0, m2 = d1 (w0 + w2), m3 = (d2 - d1) w2,
// y0 = m1 + m2, y1 = m2 + m3. So a pair costs 5 multiplies where the direct form takes
// 6, into three accumulators per pair: A = m1 + w1 e0, B = m2, C = m3 + w1 e1, and
// y0 = A + B, y1 = B + C.
//
// winograd_s2_input writes each input row's five values per pair (d0 - d1, d1, d2 - d1,
// e0, e1; zero outside the row) once per call; winograd_s2_weights writes per (ci, kd,
// kh) the four weight vectors (w0, w0 + w2, w2, w1) over CBLOCK output channels.
//
// Defines: KD KH SD SH PD PH DD DH (D and H as in conv3d.cl), KW SW PW DW (must be 3, 2,
// 1, 1), VW (must be 16), PP pairs and COV channel vectors per work-item (3 * PP * COV
// accumulators).

#if VW != 16 || KW != 3 || SW != 2 || PW != 1 || DW != 1
#error "conv3d_winograd_s2.cl: 16 lanes and a W axis of kernel 3, stride 2, padding 1, dilation 1"
#endif
#ifndef PP
#define PP 1
#endif
#ifndef COV
#define COV 1
#endif
#define CBLOCK (COV * 16)
#define ROW_VALUES 5

static inline int first_tap(const int base, const int dilation) {
    return base >= 0 ? 0 : (-base + dilation - 1) / dilation;
}
static inline int end_tap(const int base, const int dilation, const int extent, const int K) {
    return base >= extent ? 0 : min(K, (extent - base + dilation - 1) / dilation);
}

static inline float row_value(__global const float* row, const int c, const int W) {
    return c >= 0 && c < W ? row[c] : 0.0f;
}

// A work-item per (n, ci, d) plane (PoCL pays per work-group, so not per row).
// xt[plane row][pair][5]; global [planes], local [1].
__kernel void winograd_s2_input(__global const float* x, __global float* xt, const int planes, const int H, const int W,
                                const int pairs) {
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    for (int h = 0; h < H; ++h) {
        __global const float* row = x + ((size_t)plane * H + h) * W;
        __global float* t = xt + ((size_t)plane * H + h) * pairs * ROW_VALUES;
        for (int p = 0; p < pairs; ++p, t += ROW_VALUES) {
            const int c = 4 * p;
            const float d1 = row_value(row, c + 1, W);
            t[0] = row_value(row, c - 1, W) - d1;
            t[1] = d1;
            t[2] = row_value(row, c + 3, W) - d1;
            t[3] = row_value(row, c, W);
            t[4] = row_value(row, c + 2, W);
        }
    }
}

// wt[cob][ci][kd * KH + kh][4][CBLOCK] = (w0, w0 + w2, w2, w1), zero past CO. A work-item
// per (16 output channels, ci): their 16 weight rows read once, each vector gathered.
// global [ceil(CO / 16), CI], local [1, 1].
__kernel void winograd_s2_weights(__global const float* w, __global float* wt, const int CI, const int CO,
                                  const int coBlocks) {
    const int co0 = get_global_id(0) * 16, ci = get_global_id(1);
    if (co0 >= coBlocks * CBLOCK || ci >= CI) return;
    const int taps = KD * KH * 3;
    __global const float* src[16];
    for (int l = 0; l < 16; ++l) src[l] = w + ((size_t)min(co0 + l, CO - 1) * CI + ci) * taps;
    __global float* dst = wt + ((size_t)(co0 / CBLOCK) * CI + ci) * KD * KH * 4 * CBLOCK + co0 % CBLOCK;
    for (int k = 0; k < KD * KH; ++k, dst += 4 * CBLOCK) {
        float16 v[3];
        for (int kw = 0; kw < 3; ++kw) {
            float lanes[16];
            for (int l = 0; l < 16; ++l) lanes[l] = co0 + l < CO ? src[l][k * 3 + kw] : 0.0f;
            v[kw] = vload16(0, lanes);
        }
        vstore16(v[0], 0, dst);
        vstore16(v[0] + v[2], 0, dst + CBLOCK);
        vstore16(v[2], 0, dst + 2 * CBLOCK);
        vstore16(v[1], 0, dst + 3 * CBLOCK);
    }
}

// PP pairs x COV channel vectors of one (n, od, oh) row. A row's last tile is moved back
// to end at the row's last pair; its pairs already stored by the tile before are computed
// again and not stored. global [ceil(pairs / PP), outH, N * outD * coBlocks], local [1, 1, 1].
__kernel void conv3d_forward_winograd_s2(__global const float* xt, __global const float* wt, __global const float* bias,
                                         __global float* y, const int N, const int CI, const int CO,
                                         const int inD, const int inH, const int pairs,
                                         const int outD, const int outH, const int outW, const int hasBias) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int tile0 = get_global_id(0) * PP, oh = get_global_id(1), z = get_global_id(2);
    if (tile0 >= pairs || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    const int p0 = min(tile0, pairs - PP);
    const int id0 = od * SD - PD, ih0 = oh * SH - PH;
    const int kd0 = first_tap(id0, DD), kd1 = end_tap(id0, DD, inD, KD);
    const int kh0 = first_tap(ih0, DH), kh1 = end_tap(ih0, DH, inH, KH);
    const int rowLength = pairs * ROW_VALUES;
    float16 a[PP][COV], b[PP][COV], c[PP][COV];
    #pragma unroll
    for (int p = 0; p < PP; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) a[p][j] = b[p][j] = c[p][j] = (float16)(0.0f);
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xt + (size_t)(n * CI + ci) * inD * inH * rowLength + p0 * ROW_VALUES;
        __global const float* wc = wt + ((size_t)cob * CI + ci) * KD * KH * 4 * CBLOCK;
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                __global const float* row = xc + ((size_t)(id0 + kd * DD) * inH + ih0 + kh * DH) * rowLength;
                __global const float* wk = wc + (kd * KH + kh) * 4 * CBLOCK;
                float16 g0[COV], g1[COV], g2[COV], w1[COV];
                #pragma unroll
                for (int j = 0; j < COV; ++j) {
                    g0[j] = vload16(j, wk);
                    g1[j] = vload16(j, wk + CBLOCK);
                    g2[j] = vload16(j, wk + 2 * CBLOCK);
                    w1[j] = vload16(j, wk + 3 * CBLOCK);
                }
                #pragma unroll
                for (int p = 0; p < PP; ++p) {
                    __global const float* t = row + p * ROW_VALUES;
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) {
                        a[p][j] = fma((float16)(t[0]), g0[j], a[p][j]);
                        a[p][j] = fma((float16)(t[3]), w1[j], a[p][j]);
                        b[p][j] = fma((float16)(t[1]), g1[j], b[p][j]);
                        c[p][j] = fma((float16)(t[2]), g2[j], c[p][j]);
                        c[p][j] = fma((float16)(t[4]), w1[j], c[p][j]);
                    }
                }
            }
    }
    const size_t channelStride = (size_t)outD * outH * outW;
    __global float* yrow = y + (size_t)n * CO * channelStride + ((size_t)od * outH + oh) * outW;
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        #pragma unroll
        for (int p = 0; p < PP; ++p) {
            if (p0 + p < tile0) continue;
            float first[16], second[16];
            vstore16(a[p][j] + b[p][j], 0, first);
            vstore16(b[p][j] + c[p][j], 0, second);
            const int ow = 2 * (p0 + p);
            for (int l = 0; l < 16; ++l) {
                const int co = cob * CBLOCK + j * 16 + l;
                if (co >= CO) break;
                const float shift = hasBias ? bias[co] : 0.0f;
                __global float* out = yrow + (size_t)co * channelStride + ow;
                out[0] = first[l] + shift;
                if (ow + 1 < outW) out[1] = second[l] + shift;
            }
        }
    }
}
