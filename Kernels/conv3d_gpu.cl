// 3D convolution kernels for GPUs: implicit GEMM in local-memory tiles.
//
// Each pass is a matrix product whose B operand is never stored: it is gathered from
// the activation tensor while a tile is staged in local memory.
//   forward          y[co, (n,o)]  = sum over k = (ci, tap)   of w[co, k]        * x^[k, (n,o)]
//   backward-data    dx[ci, (n,i)] = sum over k = (co, tap)   of w[co, ci, tap]  * dy^[k, (n,i)]
//   filter gradient  dw[co, (ci,tap)] = sum over k = (n, o)   of dy[n, co, o]    * x^[k, (ci,tap)]
// x^ reads x[n, ci, o * S - P + tap * D] (zero in the padding); dy^ reads dy[n, co, o]
// with o = (i + P - tap * D) / S where that division is exact and o in range.
//
// A work-group of WG = (TM / RM) * (TN / RN) work-items computes a TM x TN tile of the
// result (rows: channels; columns: positions, or (ci, tap) for the filter gradient).
// Per step of TK along the reduction it stages TK x TM of A and TK x TN of B in local
// memory (rows padded by one float against bank conflicts), then every work-item adds
// TK products into its RM x RN register block: rows ty + i * TY, columns tx + j * TX,
// so neighbouring work-items read neighbouring local words and write neighbouring
// positions (coalesced along W). Every result sums its K terms in ascending k: a fixed
// order, no atomics.
//
// The filter gradient's reduction runs over the whole batch volume (N * outD * outH *
// outW terms), so it is split into chunks along k, one per work-group layer (group id
// 2); each chunk writes its own partial matrix and reduce_finish (reduce.cl) adds them
// in chunk order. Forward and backward-data are split the same way when their product
// has too few tiles to fill the device (the paper model's deep layers: 250 positions,
// thousands of terms each); the first chunk's partials carry the bias. Backward-data
// is also split by stride phase (group id 2; its chunks share group id 1 with the row
// blocks): positions i with the same i mod S meet the same taps, so a work-group only
// walks the taps that reach its positions (1 in 8 for the k2 s2 transposed conv).
// Unsplit (one chunk), every pass writes its results in place.

// -D defines: geometry KD KH KW, SD SH SW, PD PH PW, DD DH DW (compile-time loops and
// divisions); tile TM TN TK RM RN. Barriers sit only in control flow that is uniform
// over the work-group (loops with group-uniform bounds; whole-group early returns).

#define TAPS (KD * KH * KW)
#define TX (TN / RN)            // work-items along the tile's columns
#define TY (TM / RM)            // work-items along the tile's rows
#define WG (TX * TY)
#define AROW (TM + 1)           // local row lengths, padded against bank conflicts
#define BROW (TN + 1)
#define KSTEP (WG / TK)         // rows one pass covers when each work-item owns one kk
#define CSTEP (WG / TN)         // kk rows one pass covers when each work-item owns one column

#if TM % RM || TN % RN || WG % TK || WG % TN || TM % KSTEP || TN % KSTEP || TK % CSTEP
#error "tile: WG must be a multiple of TK and TN; TM and TN multiples of WG / TK; TK of WG / TN"
#endif

// acc[i * RN + j] += sum over kk (in order) of As[kk][ty + i * TY] * Bs[kk][tx + j * TX].
static inline void multiply_tile(__local const float* As, __local const float* Bs, float* acc, const int ty, const int tx) {
    for (int kk = 0; kk < TK; ++kk) {
        float a[RM], b[RN];
        #pragma unroll
        for (int i = 0; i < RM; ++i) a[i] = As[kk * AROW + ty + i * TY];
        #pragma unroll
        for (int j = 0; j < RN; ++j) b[j] = Bs[kk * BROW + tx + j * TX];
        #pragma unroll
        for (int i = 0; i < RM; ++i) {
            #pragma unroll
            for (int j = 0; j < RN; ++j) acc[i * RN + j] = fma(a[i], b[j], acc[i * RN + j]);
        }
    }
}

static inline void clear_block(float* acc) {
    #pragma unroll
    for (int e = 0; e < RM * RN; ++e) acc[e] = 0.0f;
}

// Forward: y[n, co, o] = bias[co] + sum over (ci, tap) of w[co, ci, tap] * x[n, ci, o * S - P + tap * D].
// Rows co, columns (n, o) flattened, K = CI * TAPS (w is row-major [CO, K] as stored).
// global [ceil(N * outVolume / TN) * WG, ceil(CO / TM), chunks], local [WG, 1, 1]; with chunks > 1,
// y holds chunks partial outputs.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void conv3d_gpu_forward(__global const float* x, __global const float* w, __global const float* bias, __global float* y,
                        const int N, const int CI, const int CO, const int inD, const int inH, const int inW,
                        const int outD, const int outH, const int outW, const int hasBias, const int chunkLength) {
    __local float As[TK * AROW];
    __local float Bs[TK * BROW];
    const int lid = get_local_id(0), tx = lid % TX, ty = lid / TX;
    const int c0 = get_group_id(0) * TN, m0 = get_group_id(1) * TM, chunk = get_group_id(2);
    const int inPlane = inH * inW, inVolume = inD * inPlane, outVolume = outD * outH * outW;
    const int columns = N * outVolume, K = CI * TAPS;
    const int kBegin = chunk * chunkLength, kEnd = min(K, kBegin + chunkLength);

    // The one column of B this work-item stages: its sample and input corner.
    const int bc = lid % TN;
    const bool columnInside = c0 + bc < columns;
    const int column = min(c0 + bc, columns - 1);
    const int n = column / outVolume, o = column % outVolume;
    const int d0 = (o / (outH * outW)) * SD - PD, h0 = ((o / outW) % outH) * SH - PH, w0 = (o % outW) * SW - PW;
    __global const float* xn = x + (size_t)n * CI * inVolume;

    float acc[RM * RN];
    clear_block(acc);
    for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
        // A: one kk per work-item, consecutive work-items read consecutive weights.
        const int ka = k0 + lid % TK;
        #pragma unroll
        for (int s = 0; s < TM / KSTEP; ++s) {
            const int m = lid / TK + s * KSTEP;
            As[(lid % TK) * AROW + m] = (m0 + m < CO && ka < kEnd) ? w[(size_t)(m0 + m) * K + ka] : 0.0f;
        }
        // B: one column per work-item, consecutive work-items read consecutive positions.
        #pragma unroll
        for (int s = 0; s < TK / CSTEP; ++s) {
            const int kk = lid / TN + s * CSTEP, k = k0 + kk;
            const int ci = k / TAPS, tap = k % TAPS;
            const int id = d0 + (tap / (KH * KW)) * DD, ih = h0 + ((tap / KW) % KH) * DH, iw = w0 + (tap % KW) * DW;
            const bool inside = columnInside && k < kEnd && id >= 0 && id < inD && ih >= 0 && ih < inH && iw >= 0 && iw < inW;
            Bs[kk * BROW + bc] = inside ? xn[ci * inVolume + id * inPlane + ih * inW + iw] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tile(As, Bs, acc, ty, tx);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    // Chunk c's partial sums (the first chunk's with the bias) or, unsplit, y itself.
    __global float* result = y + (size_t)chunk * N * CO * outVolume;
    const bool addBias = hasBias && chunk == 0;
    #pragma unroll
    for (int j = 0; j < RN; ++j) {
        const int col = c0 + tx + j * TX;
        if (col >= columns) continue;
        const int cn = col / outVolume, p = col % outVolume;
        #pragma unroll
        for (int i = 0; i < RM; ++i) {
            const int co = m0 + ty + i * TY;
            if (co < CO) result[(size_t)(cn * CO + co) * outVolume + p] = addBias ? acc[i * RN + j] + bias[co] : acc[i * RN + j];
        }
    }
}

// Along one axis, the taps k < extent that reach positions of phase p (p + P - k * D
// divisible by S): (first, step, count). They form an arithmetic progression.
static inline int3 phase_taps(const int p, const int P, const int S, const int D, const int extent) {
    int first = 0, second = 0, count = 0;
    for (int k = 0; k < extent; ++k) {
        if ((p + P - k * D) % S == 0) {
            if (count == 0) first = k;
            else if (count == 1) second = k;
            ++count;
        }
    }
    return (int3)(first, count > 1 ? second - first : 1, count);
}

// Backward-data (also the transposed conv's forward), gather form:
//   dx[n, ci, i] = bias[ci] + sum over co, taps with i = o * S - P + tap * D of dy[n, co, o] * w[co, ci, tap].
// Group id 2 is the stride phase (pd, ph, pw); its positions i = phase + S * j. The
// taps that reach the phase are t = (td, th, tw) < (cd, ch, cw) along the per-axis
// progressions of phase_taps, and for those o = j + a - t * b exactly (a, b per axis).
// Rows ci, columns (n, j) of the phase, K = CO * cd * ch * cw.
// global [ceil(N * ceil(inD / SD) * ceil(inH / SH) * ceil(inW / SW) / TN) * WG, ceil(CI / TM) * chunks, SD * SH * SW]
// (with chunks > 1, dx holds chunks partial outputs),
// local [WG, 1, 1].
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void conv3d_gpu_gather(__global const float* dy, __global const float* w, __global const float* bias, __global float* dx,
                       const int N, const int CI, const int CO, const int inD, const int inH, const int inW,
                       const int outD, const int outH, const int outW, const int hasBias, const int chunkLength) {
    __local float As[TK * AROW];
    __local float Bs[TK * BROW];
    // The phase is the group id itself: PoCL then sees that the early return below is
    // uniform over the work-group (a phase derived by arithmetic miscompiled there,
    // writing out of bounds); the chunks share dimension 1 with the row blocks.
    const int phase = get_group_id(2);
    const int rowBlocks = (CI + TM - 1) / TM, chunk = get_group_id(1) / rowBlocks;
    const int pw = phase % SW, ph = (phase / SW) % SH, pd = phase / (SW * SH);
    const int jD = (inD - pd + SD - 1) / SD, jH = (inH - ph + SH - 1) / SH, jW = (inW - pw + SW - 1) / SW;
    const int phaseVolume = jD * jH * jW, columns = N * phaseVolume;
    const int c0 = get_group_id(0) * TN, m0 = (get_group_id(1) % rowBlocks) * TM;
    if (c0 >= columns) return;     // the whole work-group: this phase has fewer positions than phase 0

    const int lid = get_local_id(0), tx = lid % TX, ty = lid / TX;
    const int outPlane = outH * outW, outVolume = outD * outPlane;
    const int3 tD = phase_taps(pd, PD, SD, DD, KD), tH = phase_taps(ph, PH, SH, DH, KH), tW = phase_taps(pw, PW, SW, DW, KW);
    const int taps = tD.z * tH.z * tW.z, tapsHW = tH.z * tW.z, K = CO * taps;
    // A phase with fewer taps has fewer terms: its last chunks may be empty (they write zeros).
    const int kBegin = min(K, chunk * chunkLength), kEnd = min(K, kBegin + chunkLength);
    // o = j + a - t * b per axis (exact: phase_taps picked the taps that divide).
    const int aD = (pd + PD - tD.x * DD) / SD, bD = tD.y * DD / SD;
    const int aH = (ph + PH - tH.x * DH) / SH, bH = tH.y * DH / SH;
    const int aW = (pw + PW - tW.x * DW) / SW, bW = tW.y * DW / SW;

    // The one column of B this work-item stages: its sample and phase position.
    const int bc = lid % TN;
    const bool columnInside = c0 + bc < columns;
    const int column = min(c0 + bc, columns - 1);
    const int n = column / phaseVolume, q = column % phaseVolume;
    const int jd = q / (jH * jW) + aD, jh = (q / jW) % jH + aH, jw = q % jW + aW;
    __global const float* dyn = dy + (size_t)n * CO * outVolume;

    float acc[RM * RN];
    clear_block(acc);
    for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
        // A: w[co, ci, tap] for k = (co, t); one kk per work-item.
        const int ka = k0 + lid % TK;
        const int coA = ka / taps, tA = ka % taps;
        const int tap = ((tD.x + (tA / tapsHW) * tD.y) * KH + tH.x + ((tA / tW.z) % tH.z) * tH.y) * KW + tW.x + (tA % tW.z) * tW.y;
        #pragma unroll
        for (int s = 0; s < TM / KSTEP; ++s) {
            const int m = lid / TK + s * KSTEP;
            As[(lid % TK) * AROW + m] = (m0 + m < CI && ka < kEnd) ? w[((size_t)coA * CI + m0 + m) * TAPS + tap] : 0.0f;
        }
        // B: dy[n, co, o] for this column; one column per work-item.
        #pragma unroll
        for (int s = 0; s < TK / CSTEP; ++s) {
            const int kk = lid / TN + s * CSTEP, k = k0 + kk;
            const int co = k / taps, t = k % taps;
            const int od = jd - (t / tapsHW) * bD, oh = jh - ((t / tW.z) % tH.z) * bH, ow = jw - (t % tW.z) * bW;
            const bool inside = columnInside && k < kEnd && od >= 0 && od < outD && oh >= 0 && oh < outH && ow >= 0 && ow < outW;
            Bs[kk * BROW + bc] = inside ? dyn[co * outVolume + od * outPlane + oh * outW + ow] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tile(As, Bs, acc, ty, tx);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int inPlane = inH * inW, inVolume = inD * inPlane;
    __global float* result = dx + (size_t)chunk * N * CI * inVolume;
    const bool addBias = hasBias && chunk == 0;
    #pragma unroll
    for (int j = 0; j < RN; ++j) {
        const int col = c0 + tx + j * TX;
        if (col >= columns) continue;
        const int cn = col / phaseVolume, cq = col % phaseVolume;
        const int i = (pd + SD * (cq / (jH * jW))) * inPlane + (ph + SH * ((cq / jW) % jH)) * inW + pw + SW * (cq % jW);
        #pragma unroll
        for (int r = 0; r < RM; ++r) {
            const int ci = m0 + ty + r * TY;
            if (ci < CI) result[(size_t)(cn * CI + ci) * inVolume + i] = addBias ? acc[r * RN + j] + bias[ci] : acc[r * RN + j];
        }
    }
}

// Filter gradient, one chunk of the reduction:
//   out[chunk, co, (ci, tap)] = sum over k = (n, o) in [chunk * chunkLength, ...) of dy[n, co, o] * x[n, ci, o * S - P + tap * D].
// Rows co, columns (ci, tap) (out is [CO, CI * TAPS] per chunk: with one chunk, dw itself).
// Both operands run along k in memory, so each work-item stages one kk of each.
// global [ceil(CI * TAPS / TN) * WG, ceil(CO / TM), chunks], local [WG, 1, 1].
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void conv3d_gpu_filter(__global const float* x, __global const float* dy, __global float* out,
                       const int N, const int CI, const int CO, const int inD, const int inH, const int inW,
                       const int outD, const int outH, const int outW, const int chunkLength) {
    __local float As[TK * AROW];
    __local float Bs[TK * BROW];
    const int lid = get_local_id(0), tx = lid % TX, ty = lid / TX;
    const int c0 = get_group_id(0) * TN, m0 = get_group_id(1) * TM, chunk = get_group_id(2);
    const int inPlane = inH * inW, inVolume = inD * inPlane, outPlane = outH * outW, outVolume = outD * outPlane;
    const int columns = CI * TAPS, K = N * outVolume;
    const int kBegin = chunk * chunkLength, kEnd = min(K, kBegin + chunkLength);

    // The TN / KSTEP columns (ci, tap) this work-item stages: input offset and tap reach.
    const int kk = lid % TK, r0 = lid / TK;
    int offset[TN / KSTEP], reachD[TN / KSTEP], reachH[TN / KSTEP], reachW[TN / KSTEP];
    bool columnInside[TN / KSTEP];
    #pragma unroll
    for (int s = 0; s < TN / KSTEP; ++s) {
        const int c = c0 + r0 + s * KSTEP;
        columnInside[s] = c < columns;
        const int tap = min(c, columns - 1) % TAPS;
        offset[s] = (min(c, columns - 1) / TAPS) * inVolume;
        reachD[s] = (tap / (KH * KW)) * DD - PD;
        reachH[s] = ((tap / KW) % KH) * DH - PH;
        reachW[s] = (tap % KW) * DW - PW;
    }

    float acc[RM * RN];
    clear_block(acc);
    for (int k0 = kBegin; k0 < kEnd; k0 += TK) {
        const int k = k0 + kk;
        const bool kInside = k < kEnd;
        const int n = min(k, kEnd - 1) / outVolume, o = min(k, kEnd - 1) % outVolume;
        const int od = o / outPlane, oh = (o / outW) % outH, ow = o % outW;
        // A: dy[n, co, o].
        #pragma unroll
        for (int s = 0; s < TM / KSTEP; ++s) {
            const int m = r0 + s * KSTEP;
            As[kk * AROW + m] = (kInside && m0 + m < CO) ? dy[(size_t)(n * CO + m0 + m) * outVolume + o] : 0.0f;
        }
        // B: x[n, ci, o * S - P + tap * D].
        __global const float* xn = x + (size_t)n * CI * inVolume;
        #pragma unroll
        for (int s = 0; s < TN / KSTEP; ++s) {
            const int id = od * SD + reachD[s], ih = oh * SH + reachH[s], iw = ow * SW + reachW[s];
            const bool inside = kInside && columnInside[s] && id >= 0 && id < inD && ih >= 0 && ih < inH && iw >= 0 && iw < inW;
            Bs[kk * BROW + r0 + s * KSTEP] = inside ? xn[offset[s] + id * inPlane + ih * inW + iw] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        multiply_tile(As, Bs, acc, ty, tx);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    __global float* result = out + (size_t)chunk * CO * columns;
    #pragma unroll
    for (int j = 0; j < RN; ++j) {
        const int col = c0 + tx + j * TX;
        if (col >= columns) continue;
        #pragma unroll
        for (int i = 0; i < RM; ++i) {
            const int co = m0 + ty + i * TY;
            if (co < CO) result[(size_t)co * columns + col] = acc[i * RN + j];
        }
    }
}
