// 3D convolution kernels for CPU-class OpenCL devices (PoCL): explicit wide vectors.
//
// A work-item owns a 16-wide segment of one output row along W (a float16) for CB
// channels at once (usually 16): CB float16 accumulators. Each tap loads one input segment and one
// CB weights pre-arranged as packed[block][channel][tap][CB] (pack_weights),
// then does CB vector fma()s, each broadcasting one weight (packing: conv3d_support.cl). Local size 1x1x1: PoCL runs
// one work-item per loop iteration and these vectors are what keeps its SIMD lanes full.
//
// Geometry comes in as -D defines (compile-time loops and strides):
//   KD KH KW   kernel size      SD SH SW   stride
//   PD PH PW   padding          DD DH DW   dilation
//   CB         channels per work-item: 16, 4 or 1 (forward, gather)
// Extents, channel counts and whether a bias is added are run-time arguments, so one
// build serves all sizes (each build costs seconds on PoCL).

#define TAPS (KD * KH * KW)
#define LANES 16

// The device profile's vector width (16 on AVX-512, 8 on AVX2) and the filter
// gradient's tile (conv3d_filter): COV vectors of output channels, CIG input
// channels, KHG kh rows per work-item.
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#ifndef COV
#define COV 1
#define CIG 1
#define KHG 1
#endif
#define CBLOCK (COV * VW)

// 16 values of `row` at start + j * step (j = 0..15); positions outside [0, extent)
// read zero (padding). Whole in-range segments use contiguous vector loads.
static inline float16 load_segment(__global const float* row, const int start, const int step, const int extent) {
    if (start >= 0) {
        if (step == 1 && start + LANES <= extent) return vload16(0, row + start);
        if (step == 2 && start + 2 * LANES <= extent) {
            const float16 a = vload16(0, row + start);
            const float16 b = vload16(0, row + start + LANES);
            return (float16)(a.even, b.even);
        }
    }
    float lanes[LANES];
    for (int j = 0; j < LANES; ++j) {
        const int i = start + j * step;
        lanes[j] = (i >= 0 && i < extent) ? row[i] : 0.0f;
    }
    return vload16(0, lanes);
}

// Writes lanes j with start + j * step < extent.
static inline void store_segment(__global float* row, const int start, const int step, const int extent, const float16 v) {
    if (step == 1 && start + LANES <= extent) {
        vstore16(v, 0, row + start);
        return;
    }
    float lanes[LANES];
    vstore16(v, 0, lanes);
    for (int j = 0; j < LANES; ++j) {
        const int i = start + j * step;
        if (i < extent) row[i] = lanes[j];
    }
}

// CB channels per work-item (a -D define: 16, 4 or 1): acc[c] += v * w.sc for each
// channel c of the block, w the block's CB weights of one tap. Small channel counts
// (1 input channel, 3 output logits) take a narrower block instead of wasting lanes.
#if CB == 16
#define WEIGHTS float16
#define LOAD_WEIGHTS vload16
#define FMA_BLOCK(acc, v, w) \
    acc[0] = fma(v, (float16)(w.s0), acc[0]);   acc[1] = fma(v, (float16)(w.s1), acc[1]); \
    acc[2] = fma(v, (float16)(w.s2), acc[2]);   acc[3] = fma(v, (float16)(w.s3), acc[3]); \
    acc[4] = fma(v, (float16)(w.s4), acc[4]);   acc[5] = fma(v, (float16)(w.s5), acc[5]); \
    acc[6] = fma(v, (float16)(w.s6), acc[6]);   acc[7] = fma(v, (float16)(w.s7), acc[7]); \
    acc[8] = fma(v, (float16)(w.s8), acc[8]);   acc[9] = fma(v, (float16)(w.s9), acc[9]); \
    acc[10] = fma(v, (float16)(w.sa), acc[10]); acc[11] = fma(v, (float16)(w.sb), acc[11]); \
    acc[12] = fma(v, (float16)(w.sc), acc[12]); acc[13] = fma(v, (float16)(w.sd), acc[13]); \
    acc[14] = fma(v, (float16)(w.se), acc[14]); acc[15] = fma(v, (float16)(w.sf), acc[15]);
#elif CB == 4
#define WEIGHTS float4
#define LOAD_WEIGHTS vload4
#define FMA_BLOCK(acc, v, w) \
    acc[0] = fma(v, (float16)(w.s0), acc[0]); acc[1] = fma(v, (float16)(w.s1), acc[1]); \
    acc[2] = fma(v, (float16)(w.s2), acc[2]); acc[3] = fma(v, (float16)(w.s3), acc[3]);
#elif CB == 1
#define WEIGHTS float
#define LOAD_WEIGHTS(i, p) ((p)[i])
#define FMA_BLOCK(acc, v, w) acc[0] = fma(v, (float16)(w), acc[0]);
#else
#error "CB must be 16, 4 or 1"
#endif

// Forward: y[n, co, o] = bias[co] + sum over ci, taps of x[n, ci, o * S - P + k * D] * w[co, ci, k].
// global [ceil(outW / 16), outH, N * outD * coBlocks], local [1, 1, 1].
__kernel void conv3d_forward(__global const float* x, __global const float* packed, __global const float* bias,
                             __global float* y, const int N, const int CI, const int CO,
                             const int inD, const int inH, const int inW,
                             const int outD, const int outH, const int outW, const int hasBias) {
    const int coBlocks = (CO + CB - 1) / CB;
    const int ow0 = get_global_id(0) * LANES;
    const int oh = get_global_id(1);
    const int z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks;
    const int od = (z / coBlocks) % outD;
    const int n = z / (coBlocks * outD);

    float16 acc[CB];
    #pragma unroll
    for (int c = 0; c < CB; ++c) acc[c] = (float16)(0.0f);
    const int inPlane = inH * inW;
    const int iw0 = ow0 * SW - PW;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = x + (size_t)(n * CI + ci) * inD * inPlane;
        __global const float* wc = packed + (size_t)(cob * CI + ci) * TAPS * CB;
        for (int kd = 0; kd < KD; ++kd) {
            const int id = od * SD - PD + kd * DD;
            if (id < 0 || id >= inD) continue;
            for (int kh = 0; kh < KH; ++kh) {
                const int ih = oh * SH - PH + kh * DH;
                if (ih < 0 || ih >= inH) continue;
                __global const float* row = xc + id * inPlane + ih * inW;
                __global const float* wt = wc + (kd * KH + kh) * KW * CB;
                for (int kw = 0; kw < KW; ++kw) {
                    const float16 v = load_segment(row, iw0 + kw * DW, SW, inW);
                    const WEIGHTS w = LOAD_WEIGHTS(kw, wt);
                    FMA_BLOCK(acc, v, w)
                }
            }
        }
    }
    const int outSpatial = outD * outH * outW;
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int co = cob * CB + c;
        if (co >= CO) break;
        const float16 result = hasBias ? acc[c] + (float16)(bias[co]) : acc[c];
        store_segment(y + (size_t)(n * CO + co) * outSpatial + od * outH * outW + oh * outW, ow0, 1, outW, result);
    }
}

// Position tiles, for short rows (the paper model's deep layers, W = 5 to 12, where
// most of the row kernels' 16 W-lanes would idle): the vector runs over CB channels
// instead, and a work-item owns POSITIONS consecutive positions of the flattened
// (D, H, W) result volume, so a row's end wastes no lanes. conv3d_forward_tiles and
// conv3d_gather_tiles share the loop (tile_taps); each result sums taps, then
// channels: a fixed order.
#define POSITIONS 8
#if CB == 16
#define CHANNELS float16
#define LOAD_CHANNELS vload16
#define STORE_CHANNELS vstore16
#elif CB == 4
#define CHANNELS float4
#define LOAD_CHANNELS vload4
#define STORE_CHANNELS vstore4
#else
#define CHANNELS float
#define LOAD_CHANNELS(i, p) ((p)[i])
#define STORE_CHANNELS(v, i, p) ((p)[i] = (v))
#endif

// acc[p] += sum over channels c (in order) of src[c * volume + offset[p]] * w(c), w(c) the
// CB-channel weight vector at wt + c * TAPS * CB; positions outside the volume add zero.
static inline void accumulate_tile(CHANNELS acc[POSITIONS], __global const float* src, const int channels, const int volume,
                            __global const float* wt, const int offset[POSITIONS], const bool inside[POSITIONS]) {
    for (int c = 0; c < channels; ++c) {
        const CHANNELS w = LOAD_CHANNELS(0, wt + (size_t)c * TAPS * CB);
        __global const float* sc = src + (size_t)c * volume;
        #pragma unroll
        for (int p = 0; p < POSITIONS; ++p) {
            const float v = inside[p] ? sc[offset[p]] : 0.0f;
            acc[p] = fma((CHANNELS)(v), w, acc[p]);
        }
    }
}

// Writes the tile to dst[n, block * CB + c, p0 + p] (plus bias) for the channels and
// positions that exist: each channel's results are consecutive in dst.
static inline void store_tile(const CHANNELS acc[POSITIONS], __global float* dst, __global const float* bias, const int hasBias,
                       const int n, const int block, const int channels, const int volume, const int p0) {
    float result[POSITIONS * CB];
    #pragma unroll
    for (int p = 0; p < POSITIONS; ++p) STORE_CHANNELS(acc[p], p, result);
    const int positions = min(POSITIONS, volume - p0);
    for (int c = 0; c < CB; ++c) {
        const int channel = block * CB + c;
        if (channel >= channels) break;
        const float b = hasBias ? bias[channel] : 0.0f;
        __global float* row = dst + (size_t)(n * channels + channel) * volume + p0;
        for (int p = 0; p < positions; ++p) row[p] = hasBias ? result[p * CB + c] + b : result[p * CB + c];
    }
}

// Sums every tap into the tile at positions p0 ... p0 + POSITIONS - 1 of a result
// volume of planes h x w. The source [channels, srcD, srcH, srcW] is x (forward:
// position o reads i = o * S - P + k * D) or dy (gather: position i reads o = (i + P -
// k * D) / S where the division is exact). Per tap, the positions' offsets and checks
// are worked out once and serve every channel; a tap no position reaches is skipped.
static inline void tile_taps(CHANNELS acc[POSITIONS], const bool gather, const int p0, const int volume, const int h, const int w,
                      __global const float* src, const int channels, const int srcD, const int srcH, const int srcW,
                      __global const float* weights) {
    // Forward: each position's input corner (tap 0); gather: its index plus padding.
    // Positions past the end repeat the last one (store_tile drops them).
    int baseD[POSITIONS], baseH[POSITIONS], baseW[POSITIONS];
    #pragma unroll
    for (int p = 0; p < POSITIONS; ++p) {
        const int q = min(p0 + p, volume - 1);
        const int qd = q / (w * h), qh = (q / w) % h, qw = q % w;
        baseD[p] = gather ? qd + PD : qd * SD - PD;
        baseH[p] = gather ? qh + PH : qh * SH - PH;
        baseW[p] = gather ? qw + PW : qw * SW - PW;
    }
    const int srcPlane = srcH * srcW, srcVolume = srcD * srcPlane;
    for (int kd = 0; kd < KD; ++kd) {
        for (int kh = 0; kh < KH; ++kh) {
            for (int kw = 0; kw < KW; ++kw) {
                int offset[POSITIONS];
                bool inside[POSITIONS];
                bool any = false;
                #pragma unroll
                for (int p = 0; p < POSITIONS; ++p) {
                    int sd, sh, sw;
                    if (gather) {
                        const int nd = baseD[p] - kd * DD, nh = baseH[p] - kh * DH, nw = baseW[p] - kw * DW;
                        inside[p] = nd >= 0 && nh >= 0 && nw >= 0 && nd % SD == 0 && nh % SH == 0 && nw % SW == 0;
                        sd = nd / SD; sh = nh / SH; sw = nw / SW;
                    } else {
                        sd = baseD[p] + kd * DD; sh = baseH[p] + kh * DH; sw = baseW[p] + kw * DW;
                        inside[p] = sd >= 0 && sh >= 0 && sw >= 0;
                    }
                    inside[p] = inside[p] && sd < srcD && sh < srcH && sw < srcW;
                    offset[p] = inside[p] ? sd * srcPlane + sh * srcW + sw : 0;
                    any = any || inside[p];
                }
                if (any) accumulate_tile(acc, src, channels, srcVolume, weights + ((kd * KH + kh) * KW + kw) * CB, offset, inside);
            }
        }
    }
}

// global [ceil(outVolume / POSITIONS), N, coBlocks], local [1, 1, 1].
__kernel void conv3d_forward_tiles(__global const float* x, __global const float* packed, __global const float* bias,
                                   __global float* y, const int N, const int CI, const int CO,
                                   const int inD, const int inH, const int inW,
                                   const int outD, const int outH, const int outW, const int hasBias) {
    const int outVolume = outD * outH * outW;
    const int p0 = get_global_id(0) * POSITIONS, n = get_global_id(1), cob = get_global_id(2);
    if (p0 >= outVolume || n >= N || cob * CB >= CO) return;
    CHANNELS acc[POSITIONS];
    #pragma unroll
    for (int p = 0; p < POSITIONS; ++p) acc[p] = (CHANNELS)(0.0f);
    tile_taps(acc, false, p0, outVolume, outH, outW, x + (size_t)n * CI * inD * inH * inW, CI, inD, inH, inW,
              packed + (size_t)cob * CI * TAPS * CB);
    store_tile(acc, y, bias, hasBias, n, cob, CO, outVolume, p0);
}

// The gather in the same tiles: a work-item owns POSITIONS consecutive positions of
// the flattened input volume for CB input channels; sums taps, then output channels.
// global [ceil(inVolume / POSITIONS), N, ciBlocks], local [1, 1, 1]; `packed` with swap == 1.
__kernel void conv3d_gather_tiles(__global const float* dy, __global const float* packed, __global const float* bias,
                                  __global float* dx, const int N, const int CI, const int CO,
                                  const int inD, const int inH, const int inW,
                                  const int outD, const int outH, const int outW, const int hasBias) {
    const int inVolume = inD * inH * inW;
    const int p0 = get_global_id(0) * POSITIONS, n = get_global_id(1), cib = get_global_id(2);
    if (p0 >= inVolume || n >= N || cib * CB >= CI) return;
    CHANNELS acc[POSITIONS];
    #pragma unroll
    for (int p = 0; p < POSITIONS; ++p) acc[p] = (CHANNELS)(0.0f);
    tile_taps(acc, true, p0, inVolume, inH, inW, dy + (size_t)n * CO * outD * outH * outW, CO, outD, outH, outW,
              packed + (size_t)cib * CO * TAPS * CB);
    store_tile(acc, dx, bias, hasBias, n, cib, CI, inVolume, p0);
}

// Gather (conv backward-data; transposed-conv forward): for the convolution
// x [N, CI, in...] -> y [N, CO, out...] with weights w[co, ci, k],
//   dx[n, ci, i] = bias[ci] + sum over co, taps k with i = o * S - P + k * D of dy[n, co, o] * w[co, ci, k].
// Along W a work-item owns 16 positions i = i0 + j * SW of one phase (i0 mod SW):
// for each kw either no lane has a matching o or all do, at consecutive o, so dy is
// read with contiguous vector loads. global [SW * ceil(ceil(inW / SW) / 16), inH,
// N * inD * ciBlocks], local [1, 1, 1]; `packed` holds the weights with swap == 1.
__kernel void conv3d_gather(__global const float* dy, __global const float* packed, __global const float* bias,
                            __global float* dx, const int N, const int CI, const int CO,
                            const int inD, const int inH, const int inW,
                            const int outD, const int outH, const int outW, const int hasBias) {
    const int ciBlocks = (CI + CB - 1) / CB;
    const int blocksPerPhase = ((inW + SW - 1) / SW + LANES - 1) / LANES;
    const int phase = get_global_id(0) / blocksPerPhase;
    const int i0 = phase + (get_global_id(0) % blocksPerPhase) * LANES * SW;
    const int ih = get_global_id(1);
    const int z = get_global_id(2);
    if (phase >= SW || i0 >= inW || ih >= inH || z >= N * inD * ciBlocks) return;
    const int cib = z % ciBlocks;
    const int id = (z / ciBlocks) % inD;
    const int n = z / (ciBlocks * inD);

    float16 acc[CB];
    #pragma unroll
    for (int c = 0; c < CB; ++c) acc[c] = (float16)(0.0f);
    const int outPlane = outH * outW;
    for (int co = 0; co < CO; ++co) {
        __global const float* dyc = dy + (size_t)(n * CO + co) * outD * outPlane;
        __global const float* wc = packed + (size_t)(cib * CO + co) * TAPS * CB;
        for (int kd = 0; kd < KD; ++kd) {
            const int qd = id + PD - kd * DD;       // = od * SD when tap kd reaches id
            if (qd < 0 || qd % SD != 0 || qd / SD >= outD) continue;
            for (int kh = 0; kh < KH; ++kh) {
                const int qh = ih + PH - kh * DH;
                if (qh < 0 || qh % SH != 0 || qh / SH >= outH) continue;
                __global const float* row = dyc + (qd / SD) * outPlane + (qh / SH) * outW;
                __global const float* wt = wc + (kd * KH + kh) * KW * CB;
                for (int kw = 0; kw < KW; ++kw) {
                    const int qw = i0 + PW - kw * DW;
                    if (((qw % SW) + SW) % SW != 0) continue;
                    const float16 v = load_segment(row, qw / SW, 1, outW);   // exact division: qw is a multiple of SW
                    const WEIGHTS w = LOAD_WEIGHTS(kw, wt);
                    FMA_BLOCK(acc, v, w)
                }
            }
        }
    }
    const int inSpatial = inD * inH * inW;
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int ci = cib * CB + c;
        if (ci >= CI) break;
        const float16 result = hasBias ? acc[c] + (float16)(bias[ci]) : acc[c];
        store_segment(dx + (size_t)(n * CI + ci) * inSpatial + id * inH * inW + ih * inW, i0, SW, inW, result);
    }
}

// Filter gradient, as a sum of outer products: for each output position o,
//   dw[co, ci, k] += dy[n, co, o] * x[n, ci, o * S - P + k * D].
// The vector runs over VW output channels, so dy is read channels-last (dyT [N, outD,
// outH, outW, COP], COP a multiple of CBLOCK, zero past CO) and x from a zero-padded copy
// (xp [N, CI, Dp, Hp, Wp], the padding P on each side): every load is in range and no
// tap needs a check. A work-item owns CBLOCK = COV * VW output channels x CIG input
// channels x (one kd, KHG kh rows, all kw) taps: CIG * KHG * KW * COV accumulators, each
// loaded dy vector serving CIG * KHG * KW fma()s with the x value broadcast from memory.
// It sums the (n, od) planes of its chunk in order, rows then W; partial[chunk] holds
// the chunks' sums, which sum_chunks adds in order: deterministic, no atomics.
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
    for (int pl = p0; pl < p1; ++pl) {
        const int od = pl % outD, n = pl / outD;
        __global const float* dyRow = dyT + (size_t)pl * outH * outW * COP + cob * CBLOCK;
        // Input channels past CI (the last group) read channel CI - 1; their sums are dropped.
        __global const float* xRow[CIG];
        #pragma unroll
        for (int g = 0; g < CIG; ++g)
            xRow[g] = xp + (size_t)(n * CI + min(ci0 + g, CI - 1)) * volume + (od * SD + kd * DD) * plane + kh0 * DH * Wp;
        for (int oh = 0; oh < outH; ++oh) {
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
                for (int j = 0; j < COV; ++j) {
                    float lanes[VW];
                    VSTORE(acc[g][h][kw][j], 0, lanes);
                    for (int c = 0; c < VW; ++c) {
                        const int co = cob * CBLOCK + j * VW + c;
                        if (co < CO) partial[(((size_t)chunk * CO + co) * CI + ci) * TAPS + tap] = lanes[c];
                    }
                }
            }
    }
}
