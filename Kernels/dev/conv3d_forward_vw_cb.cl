// Dev variant of conv3d_forward (Kernels/conv3d.cl) with the W segment width VW and the
// channel block CB both as -D defines (8 or 16), used to sweep register tilings on PoCL.
// Not embedded: only Kernels/*.cl at the top level are. Run with Kernels/dev/conv_bench.c.

#define TAPS (KD * KH * KW)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define WVEC CAT(float, CB)
#define WLOAD CAT(vload, CB)

static inline VEC load_segment(__global const float* row, const int start, const int step, const int extent) {
    if (start >= 0 && step == 1 && start + VW <= extent) return VLOAD(0, row + start);
    float lanes[VW];
    for (int j = 0; j < VW; ++j) {
        const int i = start + j * step;
        lanes[j] = (i >= 0 && i < extent) ? row[i] : 0.0f;
    }
    return VLOAD(0, lanes);
}
#if CB == 8
#define ACC_DECL VEC a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
#define FMAS(v, w) a0 = fma(v, (VEC)(w.s0), a0); a1 = fma(v, (VEC)(w.s1), a1); a2 = fma(v, (VEC)(w.s2), a2); a3 = fma(v, (VEC)(w.s3), a3); \
 a4 = fma(v, (VEC)(w.s4), a4); a5 = fma(v, (VEC)(w.s5), a5); a6 = fma(v, (VEC)(w.s6), a6); a7 = fma(v, (VEC)(w.s7), a7);
#define STORES ST(0,a0) ST(1,a1) ST(2,a2) ST(3,a3) ST(4,a4) ST(5,a5) ST(6,a6) ST(7,a7)
#else
#define ACC_DECL VEC a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
#define FMAS(v, w) a0 = fma(v, (VEC)(w.s0), a0); a1 = fma(v, (VEC)(w.s1), a1); a2 = fma(v, (VEC)(w.s2), a2); a3 = fma(v, (VEC)(w.s3), a3); \
 a4 = fma(v, (VEC)(w.s4), a4); a5 = fma(v, (VEC)(w.s5), a5); a6 = fma(v, (VEC)(w.s6), a6); a7 = fma(v, (VEC)(w.s7), a7); \
 a8 = fma(v, (VEC)(w.s8), a8); a9 = fma(v, (VEC)(w.s9), a9); a10 = fma(v, (VEC)(w.sa), a10); a11 = fma(v, (VEC)(w.sb), a11); \
 a12 = fma(v, (VEC)(w.sc), a12); a13 = fma(v, (VEC)(w.sd), a13); a14 = fma(v, (VEC)(w.se), a14); a15 = fma(v, (VEC)(w.sf), a15);
#define STORES ST(0,a0) ST(1,a1) ST(2,a2) ST(3,a3) ST(4,a4) ST(5,a5) ST(6,a6) ST(7,a7) ST(8,a8) ST(9,a9) ST(10,a10) ST(11,a11) ST(12,a12) ST(13,a13) ST(14,a14) ST(15,a15)
#endif

__kernel void conv3d_forward(__global const float* x, __global const float* packed, __global const float* bias,
                             __global float* y, const int N, const int CI, const int CO,
                             const int inD, const int inH, const int inW,
                             const int outD, const int outH, const int outW) {
    const int coBlocks = (CO + CB - 1) / CB;
    const int ow0 = get_global_id(0) * VW;
    const int oh = get_global_id(1);
    const int z = get_global_id(2);
    if (ow0 >= outW || oh >= outH || z >= N * outD * coBlocks) return;
    const int cob = z % coBlocks;
    const int od = (z / coBlocks) % outD;
    const int n = z / (coBlocks * outD);
    ACC_DECL
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
                    const VEC v = load_segment(row, iw0 + kw * DW, SW, inW);
                    const WVEC w = WLOAD(kw, wt);
                    FMAS(v, w)
                }
            }
        }
    }
    const int outSpatial = outD * outH * outW;
    __global float* yb = y + (size_t)(n * CO + cob * CB) * outSpatial + od * outH * outW + oh * outW;
#define ST(c, a) if (cob * CB + c < CO) { if (ow0 + VW <= outW) CAT(vstore, VW)(a, 0, yb + (size_t)c * outSpatial + ow0); }
    STORES
}
