// Kernels/dev lab: convolution variants with the vector over channels and every input
// read from a zero-padded copy (no bounds checks in the loops). Timed and checked by
// conv_lab.c against a C reference; winners move to Kernels/conv3d.cl.
//
// Defines: KD KH KW, SD SH SW, DD DH DW (geometry; padding lives in the padded copy),
// VW (vector width), COV (channel vectors per work-item), RW (positions along W per
// work-item, forward), CIG / KHG (input channels / kh rows per work-item, filter).

#define TAPS (KD * KH * KW)
#ifndef RW
#define RW 8
#endif
#ifndef CIG
#define CIG 1
#endif
#ifndef KHG
#define KHG KH
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define CBLOCK (COV * VW)

// t[r][i] -> t[i][r] for a 16 x 16 tile in registers: four stages of pairwise swaps of
// blocks of 1, 2, 4, 8 lanes between rows r and r + b.
#define LO(b) (uint16)(M0(b,0),M0(b,1),M0(b,2),M0(b,3),M0(b,4),M0(b,5),M0(b,6),M0(b,7),M0(b,8),M0(b,9),M0(b,10),M0(b,11),M0(b,12),M0(b,13),M0(b,14),M0(b,15))
#define HI(b) (uint16)(M1(b,0),M1(b,1),M1(b,2),M1(b,3),M1(b,4),M1(b,5),M1(b,6),M1(b,7),M1(b,8),M1(b,9),M1(b,10),M1(b,11),M1(b,12),M1(b,13),M1(b,14),M1(b,15))
#define M0(b,i) (((i) & (b)) == 0 ? (i) : 16 + (i) - (b))
#define M1(b,i) (((i) & (b)) == 0 ? (i) + (b) : 16 + (i))
static inline void transpose16(float16 t[16]) {
    #pragma unroll
    for (int s = 0; s < 4; ++s) {
        const int b = 1 << s;
        #pragma unroll
        for (int r = 0; r < 16; ++r) {
            if ((r & b) != 0) continue;
            const float16 x = t[r], y = t[r + b];
            if (b == 1) { t[r] = shuffle2(x, y, LO(1)); t[r + b] = shuffle2(x, y, HI(1)); }
            if (b == 2) { t[r] = shuffle2(x, y, LO(2)); t[r + b] = shuffle2(x, y, HI(2)); }
            if (b == 4) { t[r] = shuffle2(x, y, LO(4)); t[r + b] = shuffle2(x, y, HI(4)); }
            if (b == 8) { t[r] = shuffle2(x, y, LO(8)); t[r + b] = shuffle2(x, y, HI(8)); }
        }
    }
}
// v1 forward: work-item = RW consecutive outputs along W x CBLOCK output channels.
// y[n, co, od, oh, ow0 + p] = sum ci, taps xp[n, ci, od*SD + kd*DD, oh*SH + kh*DH, (ow0+p)*SW + kw*DW] * w.
// global [ceil(outW / RW), outH, N * outD * coBlocks], local 1.
__kernel void fwd_v1(__global const float* xp, __global const float* packed, __global float* y,
                     const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                     const int outD, const int outH, const int outW) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int ow0 = get_global_id(0) * RW, oh = get_global_id(1), z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[RW][COV];
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
    const int plane = Hp * Wp, volume = Dp * plane;
    __global const float* xn = xp + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wp + ow0 * SW;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CBLOCK;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CBLOCK;
        for (int kd = 0; kd < KD; ++kd)
            for (int kh = 0; kh < KH; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    VEC w[COV];
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) w[j] = VLOAD(kw * COV + j, wt);
                    #pragma unroll
                    for (int p = 0; p < RW; ++p) {
                        const VEC v = (VEC)(row[p * SW + kw * DW]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, w[j], acc[p][j]);
                    }
                }
            }
    }
    const int outPlane = outH * outW, outVolume = outD * outPlane;
    const int positions = min(RW, outW - ow0);
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        float lanes[RW * VW];
        #pragma unroll
        for (int p = 0; p < RW; ++p) VSTORE(acc[p][j], p, lanes);
        for (int c = 0; c < VW; ++c) {
            const int co = cob * CBLOCK + j * VW + c;
            if (co >= CO) break;
            __global float* dst = y + (size_t)(n * CO + co) * outVolume + od * outPlane + oh * outW + ow0;
            for (int p = 0; p < positions; ++p) dst[p] = lanes[p * VW + c];
        }
    }
}
// fwd_v1 with its RW = 16 x 16-channel tile transposed in registers and stored one vector
// per channel (checked); became store_tile's transposed path.
__kernel void fwd_xt(__global const float* xp, __global const float* packed, __global float* y,
                     const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                     const int outD, const int outH, const int outW) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int ow0 = get_global_id(0) * RW, oh = get_global_id(1), z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[RW][COV];
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
    const int plane = Hp * Wp, volume = Dp * plane;
    __global const float* xn = xp + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wp + ow0 * SW;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CBLOCK;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CBLOCK;
        for (int kd = 0; kd < KD; ++kd)
            for (int kh = 0; kh < KH; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    VEC w[COV];
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) w[j] = VLOAD(kw * COV + j, wt);
                    #pragma unroll
                    for (int p = 0; p < RW; ++p) {
                        const VEC v = (VEC)(row[p * SW + kw * DW]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, w[j], acc[p][j]);
                    }
                }
            }
    }
    const int outPlane = outH * outW, outVolume = outD * outPlane;
    const int positions = min(RW, outW - ow0);
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        VEC t[16];
        #pragma unroll
        for (int p = 0; p < 16; ++p) t[p] = acc[p][j];
        transpose16(t);
        #pragma unroll
        for (int c = 0; c < VW; ++c) {
            const int co = cob * CBLOCK + j * VW + c;
            if (co < CO) VSTORE(t[c], 0, y + (size_t)(n * CO + co) * outVolume + od * outPlane + oh * outW + ow0);
        }
    }
}
// Timing only (NOCHECK=1): fwd_v1 storing whole vectors into a scratch instead of one
// lane per address (what the stores cost).
__kernel void fwd_xb(__global const float* xp, __global const float* packed, __global float* y,
                     const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                     const int outD, const int outH, const int outW) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK;
    const int ow0 = get_global_id(0) * RW, oh = get_global_id(1), z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks, od = (z / coBlocks) % outD, n = z / (coBlocks * outD);
    VEC acc[RW][COV];
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
    const int plane = Hp * Wp, volume = Dp * plane;
    __global const float* xn = xp + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wp + ow0 * SW;
    __global const float* wb = packed + (size_t)cob * CI * TAPS * CBLOCK;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CBLOCK;
        for (int kd = 0; kd < KD; ++kd)
            for (int kh = 0; kh < KH; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    VEC w[COV];
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) w[j] = VLOAD(kw * COV + j, wt);
                    #pragma unroll
                    for (int p = 0; p < RW; ++p) {
                        const VEC v = (VEC)(row[p * SW + kw * DW]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, w[j], acc[p][j]);
                    }
                }
            }
    }
    // timing only: whole-vector stores into a scratch the size of y
    const size_t total = (size_t)N * CO * outD * outH * outW - RW * CBLOCK;
    __global float* dst = y + min(total, ((size_t)get_global_id(2) * get_global_size(1) * get_global_size(0) + get_global_id(1) * get_global_size(0) + get_global_id(0)) * RW * CBLOCK);
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) VSTORE(acc[p][j], p * COV + j, dst);
}

// v1 filter gradient: work-item = CBLOCK output channels x CIG input channels x
// (one kd, KHG kh rows, all kw) taps, summed over a chunk of output rows in order.
// dyT is dy channels-last [N, outD, outH, outW, COP] (COP = coBlocks * CBLOCK, zero
// padded). partial[chunk, co, ci, tap]. global [coBlocks * ciGroups, KD * KH / KHG, chunks].
__kernel void filter_v1(__global const float* xp, __global const float* dyT, __global float* partial,
                        const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                        const int outD, const int outH, const int outW, const int chunks) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK, ciGroups = (CI + CIG - 1) / CIG;
    const int g0 = get_global_id(0), g1 = get_global_id(1), chunk = get_global_id(2);
    if (g0 >= coBlocks * ciGroups || g1 >= KD * (KH / KHG) || chunk >= chunks) return;
    const int cob = g0 % coBlocks, ci0 = (g0 / coBlocks) * CIG;
    const int kd = g1 / (KH / KHG), kh0 = (g1 % (KH / KHG)) * KHG;
    const int COP = coBlocks * CBLOCK;
    const int rows = N * outD * outH;
    const int r0 = (int)((long)chunk * rows / chunks), r1 = (int)((long)(chunk + 1) * rows / chunks);
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
    for (int r = r0; r < r1; ++r) {
        const int oh = r % outH, od = (r / outH) % outD, n = r / (outH * outD);
        __global const float* dyrow = dyT + (size_t)r * outW * COP + cob * CBLOCK;
        __global const float* xrow[CIG];
        #pragma unroll
        for (int g = 0; g < CIG; ++g)
            xrow[g] = xp + (size_t)(n * CI + min(ci0 + g, CI - 1)) * volume + (od * SD + kd * DD) * plane + (oh * SH + kh0 * DH) * Wp;
        for (int ow = 0; ow < outW; ++ow) {
            VEC d[COV];
            #pragma unroll
            for (int j = 0; j < COV; ++j) d[j] = VLOAD(j, dyrow + ow * COP);
            #pragma unroll
            for (int g = 0; g < CIG; ++g)
                #pragma unroll
                for (int h = 0; h < KHG; ++h)
                    #pragma unroll
                    for (int kw = 0; kw < KW; ++kw) {
                        const VEC v = (VEC)(xrow[g][h * DH * Wp + ow * SW + kw * DW]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[g][h][kw][j] = fma(d[j], v, acc[g][h][kw][j]);
                    }
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

// v2 filter gradient: as v1, but chunks are ranges of (n, od) planes and the rows of a
// plane advance pointers instead of dividing per row (short rows: 2-8 outputs).
__kernel void filter_v2(__global const float* xp, __global const float* dyT, __global float* partial,
                        const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                        const int outD, const int outH, const int outW, const int chunks) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK, ciGroups = (CI + CIG - 1) / CIG;
    const int g0 = get_global_id(0), g1 = get_global_id(1), chunk = get_global_id(2);
    if (g0 >= coBlocks * ciGroups || g1 >= KD * (KH / KHG) || chunk >= chunks) return;
    const int cob = g0 % coBlocks, ci0 = (g0 / coBlocks) * CIG;
    const int kd = g1 / (KH / KHG), kh0 = (g1 % (KH / KHG)) * KHG;
    const int COP = coBlocks * CBLOCK;
    const int planes = N * outD;
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
        __global const float* dyrow = dyT + (size_t)pl * outH * outW * COP + cob * CBLOCK;
        __global const float* xrow[CIG];
        #pragma unroll
        for (int g = 0; g < CIG; ++g)
            xrow[g] = xp + (size_t)(n * CI + min(ci0 + g, CI - 1)) * volume + (od * SD + kd * DD) * plane + kh0 * DH * Wp;
        for (int oh = 0; oh < outH; ++oh) {
            for (int ow = 0; ow < outW; ++ow) {
                VEC d[COV];
                #pragma unroll
                for (int j = 0; j < COV; ++j) d[j] = VLOAD(j, dyrow + ow * COP);
                #pragma unroll
                for (int g = 0; g < CIG; ++g)
                    #pragma unroll
                    for (int h = 0; h < KHG; ++h)
                        #pragma unroll
                        for (int kw = 0; kw < KW; ++kw) {
                            const VEC v = (VEC)(xrow[g][h * DH * Wp + ow * SW + kw * DW]);
                            #pragma unroll
                            for (int j = 0; j < COV; ++j) acc[g][h][kw][j] = fma(d[j], v, acc[g][h][kw][j]);
                        }
            }
            dyrow += outW * COP;
            #pragma unroll
            for (int g = 0; g < CIG; ++g) xrow[g] += SH * Wp;
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


// Timing only (NOCHECK=1): filter_v2 storing whole vectors into a blocked layout instead
// of one lane per address; the checker expects [co][ci][tap].
__kernel void filter_xb(__global const float* xp, __global const float* dyT, __global float* partial,
                        const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wp,
                        const int outD, const int outH, const int outW, const int chunks) {
    const int coBlocks = (CO + CBLOCK - 1) / CBLOCK, ciGroups = (CI + CIG - 1) / CIG;
    const int g0 = get_global_id(0), g1 = get_global_id(1), chunk = get_global_id(2);
    if (g0 >= coBlocks * ciGroups || g1 >= KD * (KH / KHG) || chunk >= chunks) return;
    const int cob = g0 % coBlocks, ci0 = (g0 / coBlocks) * CIG;
    const int kd = g1 / (KH / KHG), kh0 = (g1 % (KH / KHG)) * KHG;
    const int COP = coBlocks * CBLOCK;
    const int planes = N * outD;
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
        __global const float* dyrow = dyT + (size_t)pl * outH * outW * COP + cob * CBLOCK;
        __global const float* xrow[CIG];
        #pragma unroll
        for (int g = 0; g < CIG; ++g)
            xrow[g] = xp + (size_t)(n * CI + min(ci0 + g, CI - 1)) * volume + (od * SD + kd * DD) * plane + kh0 * DH * Wp;
        for (int oh = 0; oh < outH; ++oh) {
            for (int ow = 0; ow < outW; ++ow) {
                VEC d[COV];
                #pragma unroll
                for (int j = 0; j < COV; ++j) d[j] = VLOAD(j, dyrow + ow * COP);
                #pragma unroll
                for (int g = 0; g < CIG; ++g)
                    #pragma unroll
                    for (int h = 0; h < KHG; ++h)
                        #pragma unroll
                        for (int kw = 0; kw < KW; ++kw) {
                            const VEC v = (VEC)(xrow[g][h * DH * Wp + ow * SW + kw * DW]);
                            #pragma unroll
                            for (int j = 0; j < COV; ++j) acc[g][h][kw][j] = fma(d[j], v, acc[g][h][kw][j]);
                        }
            }
            dyrow += outW * COP;
            #pragma unroll
            for (int g = 0; g < CIG; ++g) xrow[g] += SH * Wp;
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
                    VSTORE(acc[g][h][kw][j], 0, partial + ((((size_t)chunk * coBlocks + cob) * CI + ci) * TAPS + tap) * CBLOCK + j * VW);
                }
            }
    }
}


// v2 gather (backward-data; the transposed forward): work-item = RW positions
// i = i0 + p * SW of one stride phase along W x CBLOCK input channels, for one (n, id, ih).
//   dx[n, ci, i] = sum over co, taps k with (i + P - k * D) % S == 0 of dy[n, co, (i + P - k * D) / S] * w[co, ci, k]
// dyp is dy zero-padded by QD, QH, QW before (and enough after): every read is in range.
// packed[cib][co][tap][CBLOCK] over input channels. global [SW * ceil(ceil(inW / SW) / RW), inH, N * inD * ciBlocks].
__kernel void gather_v2(__global const float* dyp, __global const float* packed, __global float* dx,
                        const int N, const int CI, const int CO, const int Ep, const int Fp, const int Gp,
                        const int inD, const int inH, const int inW, const int QD, const int QH, const int QW) {
    const int ciBlocks = (CI + CBLOCK - 1) / CBLOCK;
    const int perPhase = ((inW + SW - 1) / SW + RW - 1) / RW;
    const int phase = get_global_id(0) / perPhase, i0 = phase + (get_global_id(0) % perPhase) * RW * SW;
    const int ih = get_global_id(1), z = get_global_id(2);
    if (phase >= SW || i0 >= inW || ih >= inH || z >= N * inD * ciBlocks) return;
    const int cib = z % ciBlocks, id = (z / ciBlocks) % inD, n = z / (ciBlocks * inD);
    VEC acc[RW][COV];
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
    const int plane = Fp * Gp, volume = Ep * plane;
    __global const float* wb = packed + (size_t)cib * CO * TAPS * CBLOCK;
    for (int co = 0; co < CO; ++co) {
        __global const float* dyc = dyp + (size_t)(n * CO + co) * volume;
        __global const float* wc = wb + (size_t)co * TAPS * CBLOCK;
        for (int kd = 0; kd < KD; ++kd) {
            const int qd = id + PD - kd * DD;
            if (qd % SD != 0) continue;   // qd may be negative: % keeps the sign, == 0 is still exact
            for (int kh = 0; kh < KH; ++kh) {
                const int qh = ih + PH - kh * DH;
                if (qh % SH != 0) continue;
                __global const float* row = dyc + (qd / SD + QD) * plane + (qh / SH + QH) * Gp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    const int qw = i0 + PW - kw * DW;
                    if (qw % SW != 0) continue;
                    VEC w[COV];
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) w[j] = VLOAD(kw * COV + j, wt);
                    __global const float* src = row + qw / SW + QW;
                    #pragma unroll
                    for (int p = 0; p < RW; ++p) {
                        const VEC v = (VEC)(src[p]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, w[j], acc[p][j]);
                    }
                }
            }
        }
    }
    const int inPlane = inH * inW, inVolume = inD * inPlane;
    #pragma unroll
    for (int j = 0; j < COV; ++j) {
        float lanes[RW * VW];
        #pragma unroll
        for (int p = 0; p < RW; ++p) VSTORE(acc[p][j], p, lanes);
        for (int c = 0; c < VW; ++c) {
            const int ci = cib * CBLOCK + j * VW + c;
            if (ci >= CI) break;
            __global float* dst = dx + (size_t)(n * CI + ci) * inVolume + id * inPlane + ih * inW;
            for (int p = 0; p < RW && i0 + p * SW < inW; ++p) dst[i0 + p * SW] = lanes[p * VW + c];
        }
    }
}
// Timing only (NOCHECK=1): gather_v2 storing whole vectors into a scratch instead of one
// lane per address.
__kernel void gather_xb(__global const float* dyp, __global const float* packed, __global float* dx,
                        const int N, const int CI, const int CO, const int Ep, const int Fp, const int Gp,
                        const int inD, const int inH, const int inW, const int QD, const int QH, const int QW) {
    const int ciBlocks = (CI + CBLOCK - 1) / CBLOCK;
    const int perPhase = ((inW + SW - 1) / SW + RW - 1) / RW;
    const int phase = get_global_id(0) / perPhase, i0 = phase + (get_global_id(0) % perPhase) * RW * SW;
    const int ih = get_global_id(1), z = get_global_id(2);
    if (phase >= SW || i0 >= inW || ih >= inH || z >= N * inD * ciBlocks) return;
    const int cib = z % ciBlocks, id = (z / ciBlocks) % inD, n = z / (ciBlocks * inD);
    VEC acc[RW][COV];
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) acc[p][j] = (VEC)(0.0f);
    const int plane = Fp * Gp, volume = Ep * plane;
    __global const float* wb = packed + (size_t)cib * CO * TAPS * CBLOCK;
    for (int co = 0; co < CO; ++co) {
        __global const float* dyc = dyp + (size_t)(n * CO + co) * volume;
        __global const float* wc = wb + (size_t)co * TAPS * CBLOCK;
        for (int kd = 0; kd < KD; ++kd) {
            const int qd = id + PD - kd * DD;
            if (qd % SD != 0) continue;   // qd may be negative: % keeps the sign, == 0 is still exact
            for (int kh = 0; kh < KH; ++kh) {
                const int qh = ih + PH - kh * DH;
                if (qh % SH != 0) continue;
                __global const float* row = dyc + (qd / SD + QD) * plane + (qh / SH + QH) * Gp;
                __global const float* wt = wc + (kd * KH + kh) * KW * CBLOCK;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    const int qw = i0 + PW - kw * DW;
                    if (qw % SW != 0) continue;
                    VEC w[COV];
                    #pragma unroll
                    for (int j = 0; j < COV; ++j) w[j] = VLOAD(kw * COV + j, wt);
                    __global const float* src = row + qw / SW + QW;
                    #pragma unroll
                    for (int p = 0; p < RW; ++p) {
                        const VEC v = (VEC)(src[p]);
                        #pragma unroll
                        for (int j = 0; j < COV; ++j) acc[p][j] = fma(v, w[j], acc[p][j]);
                    }
                }
            }
        }
    }
    const int inPlane = inH * inW, inVolume = inD * inPlane;
    // timing only: vector stores into a blocked scratch the size of dx
    const size_t total = (size_t)N * CI * inD * inH * inW - RW * CBLOCK;
    __global float* dst = dx + min(total, ((size_t)get_global_id(2) * get_global_size(1) * get_global_size(0) + get_global_id(1) * get_global_size(0) + get_global_id(0)) * RW * CBLOCK);
    #pragma unroll
    for (int p = 0; p < RW; ++p)
        #pragma unroll
        for (int j = 0; j < COV; ++j) VSTORE(acc[p][j], p * COV + j, dst);
}

// Forward with the vector along W (few input channels, long rows: the stem): a work-item
// owns one output row (PV vectors of VW positions) for CB output channels. xq: x padded,
// each row of Wrow = SW * Wq columns split into its SW phases (column c at [c % SW][c / SW]),
// so a tap's VW strided inputs are one contiguous vload. wt: [cob][ci][tap][CB].
// Each weight broadcast from memory. global [oH, oD, N * coBlocks].
#ifndef PV
#define PV 2
#endif
__kernel void fwd_wvec(__global const float* xq, __global const float* wt, __global float* y,
                       const int N, const int CI, const int CO, const int Dp, const int Hp, const int Wrow,
                       const int oD, const int oH, const int oW) {
    const int coBlocks = (CO + CB - 1) / CB;
    const int oh = get_global_id(0), od = get_global_id(1), z = get_global_id(2);
    const int cob = z % coBlocks, n = z / coBlocks, Wq = Wrow / SW;
    VEC acc[PV][CB];
    #pragma unroll
    for (int p = 0; p < PV; ++p)
        #pragma unroll
        for (int c = 0; c < CB; ++c) acc[p][c] = (VEC)(0.0f);
    // Taps wholly in the D / H padding skipped (padded coordinates: the volume is [P, extent - P)).
    const int id0 = od * SD, ih0 = oh * SH;
    int kd0 = 0, kd1 = 0, kh0 = 0, kh1 = 0;
    while (kd0 < KD && id0 + kd0 * DD < PD) ++kd0;
    for (kd1 = KD; kd1 > kd0 && id0 + (kd1 - 1) * DD >= Dp - PD; --kd1) {}
    while (kh0 < KH && ih0 + kh0 * DH < PH) ++kh0;
    for (kh1 = KH; kh1 > kh0 && ih0 + (kh1 - 1) * DH >= Hp - PH; --kh1) {}
    const int plane = Hp * Wrow, volume = Dp * plane;
    __global const float* xn = xq + (size_t)n * CI * volume + (od * SD) * plane + (oh * SH) * Wrow;
    __global const float* wb = wt + (size_t)cob * CI * TAPS * CB;
    for (int ci = 0; ci < CI; ++ci) {
        __global const float* xc = xn + (size_t)ci * volume;
        __global const float* wc = wb + (size_t)ci * TAPS * CB;
        for (int kd = kd0; kd < kd1; ++kd)
            for (int kh = kh0; kh < kh1; ++kh) {
                __global const float* row = xc + kd * DD * plane + kh * DH * Wrow;
                __global const float* wr = wc + (kd * KH + kh) * KW * CB;
                #pragma unroll
                for (int kw = 0; kw < KW; ++kw) {
                    __global const float* src = row + ((kw * DW) % SW) * Wq + (kw * DW) / SW;
                    VEC v[PV];
                    #pragma unroll
                    for (int p = 0; p < PV; ++p) v[p] = VLOAD(p, src);
                    #pragma unroll
                    for (int c = 0; c < CB; ++c) {
                        const VEC w = (VEC)(wr[kw * CB + c]);
                        #pragma unroll
                        for (int p = 0; p < PV; ++p) acc[p][c] = fma(v[p], w, acc[p][c]);
                    }
                }
            }
    }
    #pragma unroll
    for (int c = 0; c < CB; ++c) {
        const int co = cob * CB + c;
        if (co >= CO) break;
        __global float* out = y + (((size_t)n * CO + co) * oD + od) * oH * oW + (size_t)oh * oW;
        #pragma unroll
        for (int p = 0; p < PV; ++p) VSTORE(acc[p][c], p, out);
    }
}
