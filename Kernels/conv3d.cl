// 3D convolution kernels for CPU-class OpenCL devices (PoCL): explicit wide vectors
// over channels, register tiles, inputs read from a zero-padded copy (or, in
// conv3d_forward_inside and conv_transpose3d_blocks, from the tensor itself).
//
// Each kernel is a register tile of independent accumulators, VEC (VW floats, the
// device profile's vector width: 16 on AVX-512, 8 on AVX2) wide over channels. Per
// loaded vector it does several fma()s, each with a scalar operand broadcast straight
// from memory (no lane extraction). Inputs come zero-padded (pad_volume), so no tap is
// checked against the volume's edges; a row's tail reads slack the copy leaves after
// it, and those results are dropped. Local size 1x1x1: PoCL runs one work-item per
// group and these vectors are what keeps its SIMD lanes full.
//
// Defines (compile-time loops, offsets and tiles):
//   KD KH KW   kernel size      SD SH SW   stride
//   PD PH PW   padding          DD DH DW   dilation
//   VW         vector width     COV        channel vectors per work-item (CBLOCK = COV * VW channels)
//   RW         positions along W per work-item (forward, gather; along the volume: conv_transpose3d_blocks)
//   RE         taps the row's last output reads past the row (conv3d_forward_inside)
//   RH CB      rows and input channels per work-item (conv3d_gather_rows)
//   PV CB      position vectors and channels per work-item (conv3d_pointwise, conv3d_forward_rows)
//   CIG KHG    input channels and kh rows per work-item (filter gradient)
// Extents and channel counts are run-time arguments, so one build serves all sizes.

#define TAPS (KD * KH * KW)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define CBLOCK (COV * VW)
#ifndef RW
#define RW 1
#endif
#ifndef CIG
#define CIG 1
#define KHG 1
#endif
#ifndef RH
#define RH 1
#endif
#ifndef CB
#define CB 1
#endif

// One tap for RW positions: acc[p][j] += src[p * step] * w[j], w the tap's CBLOCK
// packed weights (COV vectors), src[p * step] broadcast from memory.
static inline void tap_row(VEC acc[RW][COV], __global const float* src, const int step, __global const float* w) {
    VEC weights[COV];
    #pragma unroll
    for (int j = 0; j < COV; ++j) weights[j] = VLOAD(j, w);
    #pragma unroll
    for (int p = 0; p < RW; ++p) {
        const VEC v = (VEC)(src[p * step]);
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, weights[j], acc[p][j]);
    }
}

// The taps k = 0 .. K-1 whose positions base + k * dilation (+ reach, the farthest
// position of the tile) can fall inside [0, extent): [first_tap, end_tap). Taps wholly
// in the padding are skipped (deep and dilated layers: most of the ASPP's at 5^3).
static inline int first_tap(const int base, const int reach, const int dilation) {
    return base + reach >= 0 ? 0 : (-(base + reach) + dilation - 1) / dilation;
}
static inline int end_tap(const int base, const int dilation, const int extent, const int K) {
    return base >= extent ? 0 : min(K, (extent - base + dilation - 1) / dilation);
}

static inline void zero_tile(VEC acc[RW][COV]) {
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
}

// t[r] lane i -> t[i] lane r for a VW x VW tile in registers: stages of swaps of blocks
// of b = 1, 2, ... VW / 2 lanes between rows r and r + b (r & b == 0), by shuffle2 on
// the pair: low[i] = i & b ? y[i - b] : x[i], high[i] = i & b ? y[i] : x[i + b].
#define LANE_LOW(b, i) (((i) & (b)) ? VW + (i) - (b) : (i))
#define LANE_HIGH(b, i) (((i) & (b)) ? VW + (i) : (i) + (b))
#if VW == 16
#define MASK(f, b) (uint16)(f(b, 0), f(b, 1), f(b, 2), f(b, 3), f(b, 4), f(b, 5), f(b, 6), f(b, 7), \
                            f(b, 8), f(b, 9), f(b, 10), f(b, 11), f(b, 12), f(b, 13), f(b, 14), f(b, 15))
#elif VW == 8
#define MASK(f, b) (uint8)(f(b, 0), f(b, 1), f(b, 2), f(b, 3), f(b, 4), f(b, 5), f(b, 6), f(b, 7))
#else
#define MASK(f, b) (uint4)(f(b, 0), f(b, 1), f(b, 2), f(b, 3))
#endif
#define SWAP_STAGE(t, b)                                                   \
    _Pragma("unroll") for (int r = 0; r < VW; ++r)                        \
        if ((r & (b)) == 0) {                                              \
            const VEC x = t[r], y = t[r + (b)];                            \
            t[r] = shuffle2(x, y, MASK(LANE_LOW, b));                      \
            t[r + (b)] = shuffle2(x, y, MASK(LANE_HIGH, b));               \
        }
static inline void transpose_tile(VEC t[VW]) {
    SWAP_STAGE(t, 1)
    SWAP_STAGE(t, 2)
#if VW >= 8
    SWAP_STAGE(t, 4)
#endif
#if VW == 16
    SWAP_STAGE(t, 8)
#endif
}

// dst[(n * channels + c) * volume + p * step] = acc[p] (+ bias[c]) for the block's
// channels c < channels and the positions from <= p < positions (those that exist and
// no other tile stores). A whole tile of RW = VW or VW / 2 consecutive positions (step
// 1) is transposed in registers and stored as one vector per channel; otherwise each
// lane goes to its own address (measured on C16@64^3 forward, Kernels/dev: 17.1 ms with
// per-lane stores, 16.5 transposed).
#if RW == VW || 2 * RW == VW
#define ROW_VEC CAT(float, RW)
#define ROW_STORE CAT(vstore, RW)
#if RW == VW
#define FIRST_RW(v) (v)
#else
#define FIRST_RW(v) (v).lo
#endif
#endif
static inline void store_tile(VEC acc[RW][COV], __global float* dst, __global const float* bias, const int hasBias,
                              const int n, const int block, const int channels, const size_t volume,
                              const int step, const int from, const int positions) {
#if RW == VW || 2 * RW == VW
    if (step == 1 && from == 0 && positions == RW) {
        #pragma unroll
        for (int j = 0; j < COV; ++j) {
            VEC t[VW];
            #pragma unroll
            for (int p = 0; p < VW; ++p) t[p] = p < RW ? acc[p][j] : (VEC)(0.0f);
            transpose_tile(t);
            #pragma unroll
            for (int l = 0; l < VW; ++l) {
                const int c = block * CBLOCK + j * VW + l;
                if (c >= channels) break;
                const ROW_VEC row = FIRST_RW(t[l]);
                ROW_STORE(hasBias ? row + (ROW_VEC)(bias[c]) : row, 0, dst + (size_t)(n * channels + c) * volume);
            }
        }
        return;
    }
#endif
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        float lanes[RW * VW];
        #pragma unroll
        for (int p = 0; p < RW; ++p) VSTORE(acc[p][j], p, lanes);
        for (int l = 0; l < VW; ++l) {
            const int c = block * CBLOCK + j * VW + l;
            if (c >= channels) break;
            __global float* row = dst + (size_t)(n * channels + c) * volume;
            if (hasBias) {
                const float b = bias[c];
                for (int p = from; p < positions; ++p) row[p * step] = lanes[p * VW + l] + b;
            } else {
                for (int p = from; p < positions; ++p) row[p * step] = lanes[p * VW + l];
            }
        }
    }
}

// Forward: y[n, co, o] = bias[co] + sum over ci, taps of x[n, ci, o * S - P + k * D] * w[co, ci, k].
// xp: x padded by P before each axis (and slack after each row); packed[cob][ci][tap][CBLOCK].
// A work-item owns RW consecutive outputs of one row for CBLOCK output channels.
// global [ceil(outW / RW), outH, N * outD * coBlocks], local [1, 1, 1].
__kernel void conv3d_forward(__global const float* xp, __global const float* packed, __global const float* bias,
                             __global float* y, const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                             const int inD, const int inH, const int inW,
                             const int outD, const int outH, const int outW, const int hasBias) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int ow0 = get_global_id(0) * RW, oh = get_global_id(1), z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[RW][COV];
    zero_tile(acc);
    // Tap ranges that reach the volume for this row and segment (uniform per work-item).
    const int id0 = od * SD - PD, ih0 = oh * SH - PH, iw0 = ow0 * SW - PW, reachW = (min(RW, outW - ow0) - 1) * SW;
    const int kd0 = first_tap(id0, 0, DD), kd1 = end_tap(id0, DD, inD, KD);
    const int kh0 = first_tap(ih0, 0, DH), kh1 = end_tap(ih0, DH, inH, KH);
    const int kw0 = first_tap(iw0, reachW, DW), kw1 = end_tap(iw0, DW, inW, KW);
    const int plane = Hp * Wp, volume = Dp * plane;
    __global const float* xn = xp + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wp + ow0 * SW;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CBLOCK;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CBLOCK;
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw)
                    if (kw >= kw0 && kw < kw1) tap_row(acc, row + kw * DW, SW, wt + kw * CBLOCK);
            }
    }
    const int outPlane = outH * outW;
    store_tile(acc, y + od * outPlane + oh * outW + ow0, bias, hasBias, n, cob, CO, (size_t)outD * outPlane, 1, 0,
               min(RW, outW - ow0));
}

// The forward for few input channels (the stem, other image convs), where it measured
// faster than the vector over output channels (the stem 5.9 against 6.4 ms, C1->16@64^3
// 1.3 against 1.8; no gain at 16 input channels, Kernels/dev): the vector runs along W
// instead, over PV * VW consecutive outputs of one row for CB output channels, each
// weight broadcast from memory, each result row stored whole (no transpose). xp: x
// padded as for conv3d_forward with each row split into its SW stride phases (Wp =
// SW * Wq, padded column c at (c % SW) * Wq + c / SW: pad_volume's phases), so a tap's
// VW inputs, SW apart, are one contiguous load. Each result is conv3d_forward's sum in
// its order (taps in the W padding add zeros). packed[cob][ci][tap][CB].
// global [ceil(outW / (PV * VW)), outH, N * outD * ceil(CO / CB)], local [1, 1, 1].
#ifdef PV
__kernel void conv3d_forward_rows(__global const float* xp, __global const float* packed, __global const float* bias,
                                  __global float* y, const int N, const int CI, const int CO, const int Dp, const int Hp,
                                  const int Wp, const int inD, const int inH, const int inW,
                                  const int outD, const int outH, const int outW, const int hasBias) {
    const int coBlocks = (CO + CB - 1) / CB;
    const int ow0 = get_global_id(0) * PV * VW, oh = get_global_id(1), z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[PV][CB];
    #pragma unroll
    for (int p = 0; p < PV; ++p)
        #pragma unroll
        for (int c = 0; c < CB; ++c) acc[p][c] = (VEC)(0.0f);
    const int id0 = od * SD - PD, ih0 = oh * SH - PH;
    const int kd0 = first_tap(id0, 0, DD), kd1 = end_tap(id0, DD, inD, KD);
    const int kh0 = first_tap(ih0, 0, DH), kh1 = end_tap(ih0, DH, inH, KH);
    const int plane = Hp * Wp, volume = Dp * plane, Wq = Wp / SW;
    __global const float* xn = xp + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wp + ow0;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CB;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CB;
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CB;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    // Column (ow0 + l) * SW + kw * DW of the padded row: phase (kw * DW) % SW.
                    __global const float* src = row + ((kw * DW) % SW) * Wq + (kw * DW) / SW;
                    VEC v[PV];
                    #pragma unroll
                    for (int p = 0; p < PV; ++p) v[p] = VLOAD(p, src);
                    #pragma unroll
                    for (int c = 0; c < CB; ++c) {
                        const VEC w = (VEC)(wt[kw * CB + c]);
                        #pragma unroll
                        for (int p = 0; p < PV; ++p) acc[p][c] = fma(v[p], w, acc[p][c]);
                    }
                }
            }
    }
    const int positions = min(PV * VW, outW - ow0);
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int co = cob * CB + c;
        if (co >= CO) break;
        __global float* out = y + ((size_t)(n * CO + co) * outD + od) * outH * outW + (size_t)oh * outW + ow0;
        const VEC b = (VEC)(hasBias ? bias[co] : 0.0f);
        #pragma unroll
        for (int p = 0; p < PV; ++p) {
            const VEC v = hasBias ? acc[p][c] + b : acc[p][c];
            if ((p + 1) * VW <= positions) {
                VSTORE(v, p, out);
            } else {
                float lanes[VW];
                VSTORE(v, 0, lanes);
                for (int l = 0; l < positions - p * VW; ++l) out[p * VW + l] = lanes[l];
            }
        }
    }
}
#endif

// The forward on x itself, no padded copy (RE defined: the W overhang of the row's last
// output, the taps it reads past inW). Taps in D and H padding are skipped by range as in
// conv3d_forward; along W, a row's first tile starts at 0 and its last ends at outW
// (moved back, its first positions computed twice and stored once), and those two
// skip, at compile time, exactly the (position, kw) taps that fall in the padding: no
// load outside x, and no multiply by a padding zero. Every other tile reads inside the
// row (the host checks the geometry allows it).
#ifdef RE
// One tap for RW positions of a row, without those in the padding: the first PW columns
// before the row for the row's first tile (left), the last RE after it for its last (right).
__attribute__((always_inline))
static inline void tap_row_inside(VEC acc[RW][COV], __global const float* row, const int iw, const int kw,
                                  __global const float* w, const int left, const int right) {
    VEC weights[COV];
    #pragma unroll
    for (int j = 0; j < COV; ++j) weights[j] = VLOAD(j, w);
    #pragma unroll
    for (int p = 0; p < RW; ++p) {
        if (left && p * SW + kw * DW < PW) continue;
        if (right && (RW - 1 - p) * SW + (KW - 1 - kw) * DW < RE) continue;
        const VEC v = (VEC)(row[iw + p * SW]);
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, weights[j], acc[p][j]);
    }
}

// All input channels and the taps [kd0, kd1) x [kh0, kh1) x all kw into the tile at
// (id0, ih0, iw0) of sample xn (id0, ih0, iw0 negative in the padding before the volume).
// Inlined into each call, so left and right are constants and the skipped taps vanish.
__attribute__((always_inline))
static inline void accumulate_inside(VEC acc[RW][COV], __global const float* xn, __global const float* wb, const int CI,
                                     const size_t volume, const int plane, const int inW, const int id0, const int ih0,
                                     const int iw0, const int kd0, const int kd1, const int kh0, const int kh1,
                                     const int left, const int right) {
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CBLOCK;
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                __global const float* row = xc + (id0 + kd * DD) * plane + (ih0 + kh * DH) * inW;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) tap_row_inside(acc, row, iw0 + kw * DW, kw, wt + kw * CBLOCK, left, right);
            }
    }
}

// global [ceil(outW / RW), outH, N * outD * coBlocks], local [1, 1, 1].
__kernel void conv3d_forward_inside(__global const float* x, __global const float* packed, __global const float* bias,
                                    __global float* y, const int N, const int CI, const int CO,
                                    const int inD, const int inH, const int inW,
                                    const int outD, const int outH, const int outW, const int hasBias) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int tile0 = get_global_id(0) * RW, oh = get_global_id(1), z = get_global_id(2);
    if (tile0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    const int ow0 = min(tile0, outW - RW);
    const int id0 = od * SD - PD, ih0 = oh * SH - PH, iw0 = ow0 * SW - PW;
    const int kd0 = first_tap(id0, 0, DD), kd1 = end_tap(id0, DD, inD, KD);
    const int kh0 = first_tap(ih0, 0, DH), kh1 = end_tap(ih0, DH, inH, KH);
    const int plane = inH * inW;
    const size_t volume = (size_t)inD * plane;
    __global const float* xn = x + (size_t)n * CI * volume;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CBLOCK;
    VEC acc[RW][COV];
    zero_tile(acc);
    const int left = ow0 == 0, right = ow0 + RW == outW;
    if (left && right) accumulate_inside(acc, xn, wb, CI, volume, plane, inW, id0, ih0, iw0, kd0, kd1, kh0, kh1, 1, 1);
    else if (left) accumulate_inside(acc, xn, wb, CI, volume, plane, inW, id0, ih0, iw0, kd0, kd1, kh0, kh1, 1, 0);
    else if (right) accumulate_inside(acc, xn, wb, CI, volume, plane, inW, id0, ih0, iw0, kd0, kd1, kh0, kh1, 0, 1);
    else accumulate_inside(acc, xn, wb, CI, volume, plane, inW, id0, ih0, iw0, kd0, kd1, kh0, kh1, 0, 0);
    const int outPlane = outH * outW;
    store_tile(acc, y + od * outPlane + oh * outW + ow0, bias, hasBias, n, cob, CO, (size_t)outD * outPlane, 1,
               tile0 - ow0, RW);
}
#endif

// Gather (conv backward-data; the transposed conv's forward): for the convolution
// x [N, CI, in...] -> y [N, CO, out...] with weights w[co, ci, k],
//   dx[n, ci, i] = bias[ci] + sum over co, taps k with i = o * S - P + k * D of dy[n, co, o] * w[co, ci, k].
// A work-item owns RW positions i = i0 + p * SW of one stride phase along W (and one id,
// ih) for CBLOCK input channels: a tap reaches either all of them, at consecutive o, or
// none, so work is proportional to the real taps. dyp: dy padded by QD, QH, QW before
// each axis (and enough after), so o + Q is always in range; packed[cib][co][tap][CBLOCK].
// global [SW * ceil(ceil(inW / SW) / RW), inH, N * inD * ciBlocks], local [1, 1, 1].
__kernel void conv3d_gather(__global const float* dyp, __global const float* packed, __global const float* bias,
                            __global float* dx, const int N, const int CI, const int CO, const int Ep, const int Fp, const int Gp,
                            const int inD, const int inH, const int inW, const int QD, const int QH, const int QW,
                            const int outD, const int outH, const int outW, const int hasBias) {
    const int ciBlocks = (CI + CBLOCK - 1) / CBLOCK;
    const int perPhase = ((inW + SW - 1) / SW + RW - 1) / RW;
    const int phase = get_global_id(0) / perPhase, i0 = phase + (get_global_id(0) % perPhase) * RW * SW;
    const int ih = get_global_id(1), z = get_global_id(2);
    if (phase >= SW || i0 >= inW || ih >= inH || z >= N * inD * ciBlocks) return;
    const int cib = z % ciBlocks, id = (z / ciBlocks) % inD, n = z / (ciBlocks * inD);
    VEC acc[RW][COV];
    zero_tile(acc);
    const int plane = Fp * Gp, volume = Ep * plane;
    const int lastP = min(RW, (inW - i0 + SW - 1) / SW) - 1;   // the last position that exists
    __global const float* wb = packed + (size_t)cib * CO * TAPS * CBLOCK;
    // Taps outside, output channels inside: which taps reach this tile (stride phase and
    // range) is worked out once, not per channel.
    for (int kd = 0; kd < KD; ++kd) {
        const int qd = id + PD - kd * DD;   // = od * SD when tap kd reaches id (exact division; qd may be negative)
        if (qd % SD != 0 || qd < 0 || qd / SD >= outD) continue;
        for (int kh = 0; kh < KH; ++kh) {
            const int qh = ih + PH - kh * DH;
            if (qh % SH != 0 || qh < 0 || qh / SH >= outH) continue;
            __global const float* rows = dyp + (size_t)n * CO * volume + (qd / SD + QD) * plane + (qh / SH + QH) * Gp + QW;
            __global const float* wt = wb + (kd * KH + kh) * KW * CBLOCK;
            for (int co = 0; co < CO; ++co) {
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    const int qw = i0 + PW - kw * DW;
                    // A tap whose outputs o = qw / SW + p (p <= lastP) all lie outside dy adds nothing.
                    if (qw % SW == 0 && qw / SW + lastP >= 0 && qw < outW * SW)
                        tap_row(acc, rows + (size_t)co * volume + qw / SW, 1, wt + ((size_t)co * TAPS + kw) * CBLOCK);
                }
            }
        }
    }
    const int inPlane = inH * inW;
    store_tile(acc, dx + id * inPlane + ih * inW + i0, bias, hasBias, n, cib, CI, (size_t)inD * inPlane, SW, 0,
               min(RW, (inW - i0 + SW - 1) / SW));
}

// The gather for few input channels (CI <= VW / 4: the stem's and other image convs'
// backward-data), where a vector over channels would be mostly empty lanes: the vector
// runs along W instead, over VW positions i = i0 + l * SW of one stride phase, for RH
// rows ih = ih0 + r * SH of one phase and CB input channels, each weight broadcast from
// memory. Same taps, same order per result as conv3d_gather. packed[cib][co][tap][CB].
// global [SW * ceil(ceil(inW / SW) / VW), SH * ceil(ceil(inH / SH) / RH), N * inD * ceil(CI / CB)], local [1, 1, 1].
__kernel void conv3d_gather_rows(__global const float* dyp, __global const float* packed, __global const float* bias,
                                 __global float* dx, const int N, const int CI, const int CO, const int Ep, const int Fp,
                                 const int Gp, const int inD, const int inH, const int inW, const int QD, const int QH,
                                 const int QW, const int outD, const int outH, const int outW, const int hasBias) {
    const int ciBlocks = (CI + CB - 1) / CB;
    const int perPhaseW = ((inW + SW - 1) / SW + VW - 1) / VW, perPhaseH = ((inH + SH - 1) / SH + RH - 1) / RH;
    const int phaseW = get_global_id(0) / perPhaseW, i0 = phaseW + (get_global_id(0) % perPhaseW) * VW * SW;
    const int phaseH = get_global_id(1) / perPhaseH, ih0 = phaseH + (get_global_id(1) % perPhaseH) * RH * SH;
    const int z = get_global_id(2);
    if (phaseW >= SW || i0 >= inW || phaseH >= SH || ih0 >= inH || z >= N * inD * ciBlocks) return;
    const int cib = z % ciBlocks, id = (z / ciBlocks) % inD, n = z / (ciBlocks * inD);
    VEC acc[RH][CB];
    #pragma unroll
    for (int r = 0; r < RH; ++r)
        #pragma unroll
        for (int c = 0; c < CB; ++c) acc[r][c] = (VEC)(0.0f);
    const int plane = Fp * Gp, volume = Ep * plane;
    for (int co = 0; co < CO; ++co) {
        __global const float* dyc = dyp + (size_t)(n * CO + co) * volume;
        __global const float* wc = packed + ((size_t)cib * CO + co) * TAPS * CB;
        for (int kd = 0; kd < KD; ++kd) {
            const int qd = id + PD - kd * DD;
            if (qd % SD != 0 || qd < 0 || qd / SD >= outD) continue;
            for (int kh = 0; kh < KH; ++kh) {
                const int qh = ih0 + PH - kh * DH;   // the same phase for every row of the tile
                if (qh % SH != 0) continue;
                __global const float* rows = dyc + (qd / SD + QD) * plane + (qh / SH + QH) * Gp + QW;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    const int qw = i0 + PW - kw * DW;
                    if (qw % SW != 0) continue;
                    __global const float* w = wc + ((kd * KH + kh) * KW + kw) * CB;
                    #pragma unroll
                    for (int r = 0; r < RH; ++r) {
                        const VEC v = VLOAD(0, rows + r * Gp + qw / SW);
                        #pragma unroll
                        for (int c = 0; c < CB; ++c) acc[r][c] = fma(v, (VEC)(w[c]), acc[r][c]);
                    }
                }
            }
        }
    }
    const int inPlane = inH * inW;
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int ci = cib * CB + c;
        if (ci >= CI) break;
        const float b = hasBias ? bias[ci] : 0.0f;
        #pragma unroll
        for (int r = 0; r < RH; ++r) {
            const int ih = ih0 + r * SH;
            if (ih >= inH) break;
            float lanes[VW];
            VSTORE(acc[r][c], 0, lanes);
            __global float* row = dx + ((size_t)(n * CI + ci) * inD + id) * inPlane + ih * inW;
            for (int l = 0; l < VW && i0 + l * SW < inW; ++l) row[i0 + l * SW] = hasBias ? lanes[l] + b : lanes[l];
        }
    }
}

// Transposed convolution whose kernel equals its stride, without padding, dilation or
// output padding (the decoders' k2 s2 upsampling): input position i writes its own
// KD x KH x KW block of outputs and nothing else, so the op is one matrix product,
//   y[n, co, block(i) + tap] = bias[co] + sum over ci of x[n, ci, i] * w[ci, co, tap],
// with w read in its own layout (no packed copy, no padded x): the vector runs over
// f = co * TAPS + tap, contiguous in w[ci]. A work-item owns RW consecutive positions
// of the flattened volume (each x value broadcast from memory) x CBLOCK values of f;
// each result lane goes to its own voxel. The sums run over ci in order, as
// conv3d_gather adds them. The volume's last tile is moved back to end where the
// volume ends (its first positions are computed twice, stored once).
// Needs CO * TAPS a multiple of CBLOCK and at least RW positions.
// global [ceil(spatial / RW), CO * TAPS / CBLOCK, N], local [1, 1, 1].
__kernel void conv_transpose3d_blocks(__global const float* x, __global const float* w, __global const float* bias,
                                      __global float* y, const int CI, const int CO, const int D, const int H, const int W,
                                      const int hasBias) {
    const int spatial = D * H * W, F = CO * TAPS;
    const int tile0 = get_global_id(0) * RW, f0 = get_global_id(1) * CBLOCK, n = get_global_id(2);
    if (tile0 >= spatial || f0 >= F) return;
    const int i0 = min(tile0, spatial - RW);
    VEC acc[RW][COV];
    zero_tile(acc);
    __global const float* xi = x + (size_t)n * CI * spatial + i0;
    for (int ci = 0; ci < CI; ++ci) tap_row(acc, xi + (size_t)ci * spatial, 1, w + (size_t)ci * F + f0);
    // Each position's output block corner, then each lane's offset from it (co, tap).
    const int outH = H * KH, outW = W * KW;
    const size_t outVolume = (size_t)D * KD * outH * outW;
    size_t corner[RW];
    #pragma unroll
    for (int p = 0; p < RW; ++p) {
        const int i = i0 + p, d = i / (H * W), h = (i / W) % H;
        corner[p] = ((size_t)n * CO * D * KD + d * KD) * (size_t)outH * outW + (size_t)(h * KH) * outW + (i % W) * KW;
    }
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        float lanes[RW * VW];
        #pragma unroll
        for (int p = 0; p < RW; ++p) VSTORE(acc[p][j], p, lanes);
        for (int l = 0; l < VW; ++l) {
            const int f = f0 + j * VW + l, co = f / TAPS, tap = f % TAPS;
            const size_t offset = co * outVolume + (size_t)((tap / (KH * KW)) * outH + (tap / KW) % KH) * outW + tap % KW;
            const float b = hasBias ? bias[co] : 0.0f;
            for (int p = tile0 - i0; p < RW; ++p)
                y[corner[p] + offset] = hasBias ? lanes[p * VW + l] + b : lanes[p * VW + l];
        }
    }
}

// 1x1x1 convolutions with stride 1, forward and backward-data: a matrix product over the
// flattened volume (S positions),
//   out[n, r, s] = bias[r] + sum over k of w[r, k] * in[n, k, s],
// forward: k = ci, r = co; backward-data: k = co, r = ci. packed[rb][k][CB] holds w for
// CB rows r = rb * CB + c. The vector runs along the volume: a work-item owns PV vectors
// of VW consecutive positions x CB rows, loads whole vectors of `in` (each weight
// broadcast from memory) and stores whole vectors, so no lane is scattered; the volume's
// last, partial tile goes lane by lane. Each sum runs over k in order, as conv3d_forward
// and conv3d_gather add a 1x1's terms.
// global [ceil(S / (PV * VW)), N * ceil(R / CB)], local [1, 1].
#ifdef PV
__kernel void conv3d_pointwise(__global const float* in, __global const float* packed, __global const float* bias,
                               __global float* out, const int N, const int K, const int R, const int S, const int hasBias) {
    const int rBlocks = (R + CB - 1) / CB;
    const int s0 = get_global_id(0) * PV * VW, z = get_global_id(1);
    if (s0 >= S || z >= N * rBlocks) return;
    const int rb = z % rBlocks, n = z / rBlocks;
    const int count = min(PV * VW, S - s0);   // positions of this tile
    __global const float* x = in + (size_t)n * K * S + s0;
    __global const float* w = packed + (size_t)rb * K * CB;
    VEC acc[CB][PV];
    #pragma unroll
    for (int c = 0; c < CB; ++c)
        #pragma unroll
        for (int p = 0; p < PV; ++p) acc[c][p] = (VEC)(0.0f);
    if (count == PV * VW) {
        for (int k = 0; k < K; ++k, x += S, w += CB) {
            VEC v[PV];
            #pragma unroll
            for (int p = 0; p < PV; ++p) v[p] = VLOAD(p, x);
            #pragma unroll
            for (int c = 0; c < CB; ++c)
                #pragma unroll
                for (int p = 0; p < PV; ++p) acc[c][p] = fma(v[p], (VEC)(w[c]), acc[c][p]);
        }
    } else {
        for (int k = 0; k < K; ++k, x += S, w += CB) {
            float lanes[PV * VW];
            for (int l = 0; l < PV * VW; ++l) lanes[l] = l < count ? x[l] : 0.0f;
            #pragma unroll
            for (int c = 0; c < CB; ++c)
                #pragma unroll
                for (int p = 0; p < PV; ++p) acc[c][p] = fma(VLOAD(p, lanes), (VEC)(w[c]), acc[c][p]);
        }
    }
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int r = rb * CB + c;
        if (r >= R) break;
        const VEC b = (VEC)(hasBias ? bias[r] : 0.0f);
        __global float* y = out + ((size_t)n * R + r) * S + s0;
        if (count == PV * VW) {
            #pragma unroll
            for (int p = 0; p < PV; ++p) VSTORE(hasBias ? acc[c][p] + b : acc[c][p], p, y);
        } else {
            float lanes[PV * VW];
            #pragma unroll
            for (int p = 0; p < PV; ++p) VSTORE(hasBias ? acc[c][p] + b : acc[c][p], p, lanes);
            for (int l = 0; l < count; ++l) y[l] = lanes[l];
        }
    }
}
#endif

// Filter gradient, as a sum of outer products: for each output position o,
//   dw[co, ci, k] += dy[n, co, o] * x[n, ci, o * S - P + k * D].
// The vector runs over VW output channels, so dy is read channels-last (dyT [N, outD,
// outH, outW, COP], COP a multiple of CBLOCK, zero past CO) and x from a zero-padded copy
// (xp [N, CI, Dp, Hp, Wp], the padding P on each side): every load is in range and no
// tap needs a check. A work-item owns CBLOCK = COV * VW output channels x CIG input
// channels x (one kd, KHG kh rows, all kw) taps: CIG * KHG * KW * COV accumulators, each
// loaded dy vector serving CIG * KHG * KW fma()s with the x value broadcast from memory.
// It sums the (n, od) planes of its chunk in order, rows then W, and stores its sums as
// whole vectors, partial[chunk][cob][ci][tap][CBLOCK] (lanes past CO hold the zeros of
// dyT's padding); unpack_filter_chunks adds the chunks in order into dw[co][ci][tap]:
// deterministic, no atomics.
// global [coBlocks * ciGroups, KD * KH / KHG, chunks], local [1, 1, 1].
__kernel void conv3d_filter(__global const float* xp, __global const float* dyT, __global float* partial,
                            const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                            const int outD, const int outH, const int outW, const int chunks) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK, ciGroups = (CI + CIG - 1) / CIG;
    const int g0 = get_global_id(0), g1 = get_global_id(1), chunk = get_global_id(2);
    if (g0 >= coBlocks * ciGroups || g1 >= KD * (KH / KHG) || chunk >= chunks) return;
    const int cob = g0 % coBlocks, ci0 = (g0 / coBlocks) * CIG;
    const int kd = g1 / (KH / KHG), kh0 = (g1 % (KH / KHG)) * KHG;
    const int COP = coBlocks * CBLOCK, planes = N * outD;
    const int p0 = (int)((long)chunk * planes / chunks), p1 = (int)((long)(chunk + 1) * planes / chunks);
    const int plane = Hp * Wp, volume = Dp * plane;
    VEC acc[CIG][KHG][KW][COV];
    #pragma unroll
    for (int g = 0; g < CIG; ++g)
        #pragma unroll
        for (int h = 0; h < KHG; ++h)
            #pragma unroll
            for (int kw = 0; kw < KW; ++kw)
                #pragma unroll
                for (int j = 0; j < COV; ++j) acc[g][h][kw][j] = (VEC)(0.0f);
    // Padded extents are the input's plus 2 P: planes and rows wholly in the padding add nothing.
    const int inD = Dp - 2 * PD, inH = Hp - 2 * PH;
    for (int pl = p0; pl < p1; ++pl) {
        const int od = pl % outD, n = pl / outD;
        const int idp = od * SD + kd * DD;
        if (idp < PD || idp >= PD + inD) continue;
        __global const float* dyRow = dyT + (size_t)pl * outH * outW * COP + cob * CBLOCK;
        // Input channels past CI (the last group) read channel CI - 1; their sums are dropped.
        __global const float* xRow[CIG];
        #pragma unroll
        for (int g = 0; g < CIG; ++g)
            xRow[g] = xp + (size_t)(n * CI + min(ci0 + g, CI - 1)) * volume + (od * SD + kd * DD) * plane + kh0 * DH * Wp;
        for (int oh = 0; oh < outH; ++oh) {
            const int ihp = oh * SH + kh0 * DH;   // the first of the KHG rows
            if (ihp + (KHG - 1) * DH < PH || ihp >= PH + inH) {
                dyRow += outW * COP;
                #pragma unroll
                for (int g = 0; g < CIG; ++g) xRow[g] += SH * Wp;
                continue;
            }
            for (int ow = 0; ow < outW; ++ow) {
                VEC d[COV];
                #pragma unroll
                for (int j = 0; j < COV; ++j) d[j] = VLOAD(j, dyRow + ow * COP);
                #pragma unroll
                for (int g = 0; g < CIG; ++g)
                    #pragma unroll
                    for (int h = 0; h < KHG; ++h)
                        #pragma unroll
                        for (int kw = 0; kw < KW; ++kw) {
                            const VEC v = (VEC)(xRow[g][h * DH * Wp + ow * SW + kw * DW]);
                            #pragma unroll
                            for (int j = 0; j < COV; ++j) acc[g][h][kw][j] = fma(d[j], v, acc[g][h][kw][j]);
                        }
            }
            dyRow += outW * COP;
            #pragma unroll
            for (int g = 0; g < CIG; ++g) xRow[g] += SH * Wp;
        }
    }
    #pragma unroll
    for (int g = 0; g < CIG; ++g) {
        const int ci = ci0 + g;
        if (ci >= CI) break;
        #pragma unroll
        for (int h = 0; h < KHG; ++h)
            #pragma unroll
            for (int kw = 0; kw < KW; ++kw) {
                const int tap = (kd * KH + kh0 + h) * KW + kw;
                #pragma unroll
                for (int j = 0; j < COV; ++j)
                    VSTORE(acc[g][h][kw][j], 0, partial + ((((size_t)chunk * coBlocks + cob) * CI + ci) * TAPS + tap) * CBLOCK + j * VW);
            }
    }
}

// The filter gradient's chunk sums, as conv3d_filter stores them, partial[chunk][cob][r]
// [CBLOCK] (r = ci * TAPS + tap over R = CI * TAPS rows), added in chunk order into
// dw[co][r], co = cob * CBLOCK + lane:
//   dw[co][r] = partial[0][cob][r][lane] + partial[1][cob][r][lane] + ...
// A work-item transposes UNPACK_ROWS rows of one block: vector loads and sums, then runs
// of UNPACK_ROWS floats per channel. (Scalar stores from conv3d_filter itself, each lane
// to a different line, had cost more than its arithmetic on short sums.)
// global [ceil(R / UNPACK_ROWS), coBlocks], local [1, 1].
#define UNPACK_ROWS 16
__kernel void unpack_filter_chunks(__global const float* partial, __global float* dw, const int CO, const int R,
                                   const int chunks) {
    const int r0 = get_global_id(0) * UNPACK_ROWS, cob = get_global_id(1);
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    if (r0 >= R || cob >= coBlocks) return;
    const int rows = min(UNPACK_ROWS, R - r0), lanes = min(CBLOCK, CO - cob * CBLOCK);
    const size_t chunkStride = (size_t)coBlocks * R * CBLOCK;
    __global const float* tile = partial + ((size_t)cob * R + r0) * CBLOCK;
    float sums[UNPACK_ROWS * CBLOCK];
    for (int r = 0; r < rows; ++r)
        #pragma unroll
        for (int j = 0; j < COV; ++j) {
            VEC sum = VLOAD(j, tile + r * CBLOCK);
            for (int c = 1; c < chunks; ++c) sum += VLOAD(j, tile + c * chunkStride + r * CBLOCK);
            VSTORE(sum, j, sums + r * CBLOCK);
        }
    for (int lane = 0; lane < lanes; ++lane) {
        __global float* dst = dw + (size_t)(cob * CBLOCK + lane) * R + r0;
        for (int r = 0; r < rows; ++r) dst[r] = sums[r * CBLOCK + lane];
    }
}
