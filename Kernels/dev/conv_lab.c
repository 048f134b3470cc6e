// Bench-and-validate loop for Kernels/dev/conv3d_lab.cl (llm.c style): builds one
// kernel variant, runs it on the first OpenCL device, checks it against a C reference
// (double accumulation; the parity tests' tolerance: terms * 2.4e-7 + 1e-6) and prints
// GFLOP/s, best of REPEATS (default 5) after a warm-up.
//   cc -O2 conv_lab.c -o conv_lab -lOpenCL -lm
//   ./conv_lab FILE KERNEL PASS N CI CO D H W K S P DIL [DEFINES...]
//   PASS: fwd (xp, packed, y) or filter (xp, dyT, partial; CHUNKS=c env).
//   DEFINES like VW=16 COV=2 RW=8 CIG=1 KHG=3 (passed as -D); geometry is added.
// Throwaway dev tool: minimal error handling.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int def(int argc, char** argv, const char* name, int fallback) {
    size_t n = strlen(name);
    for (int i = 14; i < argc; ++i) if (!strncmp(argv[i], name, n) && argv[i][n] == '=') return atoi(argv[i] + n + 1);
    return fallback;
}
static float value(unsigned i, unsigned seed) { unsigned h = (i + 1) * 2654435761u ^ seed * 40503u; h ^= h >> 13; h *= 2246822519u; h ^= h >> 16; return (h % 20000) / 10000.0f - 1.0f; }
#define CHECK(e) do { cl_int _e = (e); if (_e) { printf("CL error %d at line %d\n", _e, __LINE__); exit(1); } } while (0)

int main(int argc, char** argv) {
    if (argc < 14) { printf("usage: see the header\n"); return 1; }
    const char *file = argv[1], *kname = argv[2], *pass = argv[3];
    int N = atoi(argv[4]), CI = atoi(argv[5]), CO = atoi(argv[6]), D = atoi(argv[7]), H = atoi(argv[8]), W = atoi(argv[9]);
    int K = atoi(argv[10]), S = atoi(argv[11]), P = atoi(argv[12]), DL = atoi(argv[13]);
    int SD = getenv("SD") ? atoi(getenv("SD")) : S;  // stem: SD=1 S=2
    int oD = (D + 2 * P - DL * (K - 1) - 1) / SD + 1, oH = (H + 2 * P - DL * (K - 1) - 1) / S + 1, oW = (W + 2 * P - DL * (K - 1) - 1) / S + 1;
    int taps = K * K * K, VW = def(argc, argv, "VW", 16), COV = def(argc, argv, "COV", 1);
    int block = getenv("BLOCK") ? atoi(getenv("BLOCK")) : VW * COV;  // fwd_wvec: BLOCK=CB
    int coBlocks = (CO + block - 1) / block, COP = coBlocks * block;
    int Dp = D + 2 * P, Hp = H + 2 * P, Wp = W + 2 * P;
    size_t xs = (size_t)N * CI * D * H * W, ys = (size_t)N * CO * oD * oH * oW, ws = (size_t)CO * CI * taps;
    size_t xps = (size_t)N * CI * Dp * Hp * Wp + 64 * (size_t)Wp;
    float *x = malloc(4 * xs), *w = malloc(4 * ws), *dy = malloc(4 * ys), *xp = calloc(xps, 4);
    for (size_t i = 0; i < xs; ++i) x[i] = value(i, 1);
    for (size_t i = 0; i < ws; ++i) w[i] = value(i, 2);
    for (size_t i = 0; i < ys; ++i) dy[i] = value(i, 3);
    for (int n = 0; n < N * CI; ++n) for (int d = 0; d < D; ++d) for (int h = 0; h < H; ++h) for (int q = 0; q < W; ++q)
        xp[(((size_t)n * Dp + d + P) * Hp + h + P) * Wp + q + P] = x[(((size_t)n * D + d) * H + h) * W + q];
    double flops = 2.0 * ys * CI * taps;

    cl_platform_id pl; clGetPlatformIDs(1, &pl, 0); cl_device_id dev; clGetDeviceIDs(pl, CL_DEVICE_TYPE_ALL, 1, &dev, 0);
    cl_int e; cl_context ctx = clCreateContext(0, 1, &dev, 0, 0, &e); cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &e);
    FILE* f = fopen(file, "rb"); fseek(f, 0, 2); long len = ftell(f); rewind(f); char* src = malloc(len + 1); fread(src, 1, len, f); src[len] = 0; fclose(f);
    cl_program prog = clCreateProgramWithSource(ctx, 1, (const char**)&src, 0, &e);
    char opts[2048];
    snprintf(opts, sizeof opts, "-cl-std=CL1.2 -DKD=%d -DKH=%d -DKW=%d -DSD=%d -DSH=%d -DSW=%d -DDD=%d -DDH=%d -DDW=%d -DPD=%d -DPH=%d -DPW=%d",
             K, K, K, SD, S, S, DL, DL, DL, P, P, P);
    char extras[512] = "";
    for (int i = 14; i < argc; ++i) { strcat(opts, " -D"); strcat(opts, argv[i]); strcat(extras, " "); strcat(extras, argv[i]); }
    e = clBuildProgram(prog, 1, &dev, opts, 0, 0);
    if (e) { static char log[200000]; clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, 0); printf("%s\n", log); return 1; }
    cl_kernel k = clCreateKernel(prog, kname, &e); CHECK(e);
    cl_mem bx = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * xps, xp, &e); CHECK(e);
    int args[10] = {N, CI, CO, Dp, Hp, Wp, oD, oH, oW, 0};
    size_t g[3], l[3] = {1, 1, 1};
    float* out; size_t outCount; cl_mem bout; double* ref; int terms;
    if (!strcmp(pass, "fwd")) {
        int RW = def(argc, argv, "RW", 8);
        float* packed = calloc((size_t)COP * CI * taps, 4);
        for (int o = 0; o < CO; ++o) for (int i = 0; i < CI; ++i) for (int t = 0; t < taps; ++t)
            packed[(((size_t)(o / block) * CI + i) * taps + t) * block + o % block] = w[((size_t)o * CI + i) * taps + t];
        cl_mem bw = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * (size_t)COP * CI * taps, packed, &e); CHECK(e);
        outCount = ys; bout = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 * ys, 0, &e); CHECK(e);
        if (getenv("INSIDE")) {  // Kernels/conv3d.cl's conv3d_forward_inside: x itself (pass RE=... too)
            cl_mem bxu = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * xs, x, &e); CHECK(e);
            int margs[10] = {N, CI, CO, D, H, W, oD, oH, oW, 0};
            CHECK(clSetKernelArg(k, 0, 8, &bxu)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bw));
            CHECK(clSetKernelArg(k, 3, 8, &bout));
            for (int i = 0; i < 10; ++i) CHECK(clSetKernelArg(k, 4 + i, 4, &margs[i]));
        } else if (getenv("MAINLINE")) {  // Kernels/conv3d.cl's conv3d_forward: bias, the unpadded extents, hasBias
            int margs[13] = {N, CI, CO, Dp, Hp, Wp, D, H, W, oD, oH, oW, 0};
            CHECK(clSetKernelArg(k, 0, 8, &bx)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bw));
            CHECK(clSetKernelArg(k, 3, 8, &bout));
            for (int i = 0; i < 13; ++i) CHECK(clSetKernelArg(k, 4 + i, 4, &margs[i]));
        } else if (getenv("PHASES") || getenv("ROWS")) {  // fwd_wvec (a row per work-item) or conv3d_forward_rows: rows split into S phases
            int Wq = (Wp + S - 1) / S + 64; size_t qs = (size_t)N * CI * Dp * Hp * S * Wq;
            float* xq = calloc(qs, 4);
            for (size_t r = 0; r < (size_t)N * CI * Dp * Hp; ++r) for (int c = 0; c < Wp; ++c)
                xq[r * S * Wq + (c % S) * Wq + c / S] = xp[r * Wp + c];
            cl_mem bq = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * qs, xq, &e); CHECK(e);
            if (getenv("ROWS")) {  // Kernels/conv3d.cl's conv3d_forward_rows: its argument list, tiles of PV * VW positions
                int rargs[13] = {N, CI, CO, Dp, Hp, S * Wq, D, H, W, oD, oH, oW, 0};
                CHECK(clSetKernelArg(k, 0, 8, &bq)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bw));
                CHECK(clSetKernelArg(k, 3, 8, &bout));
                for (int i = 0; i < 13; ++i) CHECK(clSetKernelArg(k, 4 + i, 4, &rargs[i]));
            } else {
                int qargs[9] = {N, CI, CO, Dp, Hp, S * Wq, oD, oH, oW};
                CHECK(clSetKernelArg(k, 0, 8, &bq)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bout));
                for (int i = 0; i < 9; ++i) CHECK(clSetKernelArg(k, 3 + i, 4, &qargs[i]));
            }
        } else {
            CHECK(clSetKernelArg(k, 0, 8, &bx)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bout));
            for (int i = 0; i < 9; ++i) CHECK(clSetKernelArg(k, 3 + i, 4, &args[i]));
        }
        g[0] = (oW + RW - 1) / RW; g[1] = oH; g[2] = (size_t)N * oD * coBlocks;
        if (getenv("PHASES")) { g[0] = oH; g[1] = oD; g[2] = (size_t)N * coBlocks; }
        if (getenv("ROWS")) { int span = def(argc, argv, "PV", 1) * VW; g[0] = (oW + span - 1) / span; }
        ref = calloc(ys, sizeof(double)); terms = CI * taps;
        if (!getenv("NOCHECK")) for (int n = 0; n < N; ++n) for (int o = 0; o < CO; ++o) for (int d = 0; d < oD; ++d) for (int h = 0; h < oH; ++h) for (int qq = 0; qq < oW; ++qq) {
            double s = 0;
            for (int i = 0; i < CI; ++i) for (int a = 0; a < K; ++a) for (int b = 0; b < K; ++b) for (int c = 0; c < K; ++c)
                s += (double)xp[(((size_t)(n * CI + i) * Dp + d * SD + a * DL) * Hp + h * S + b * DL) * Wp + qq * S + c * DL] * w[((size_t)o * CI + i) * taps + (a * K + b) * K + c];
            ref[(((size_t)(n * CO + o) * oD + d) * oH + h) * oW + qq] = s;
        }
    } else if (!strcmp(pass, "gather")) {
        int RW = def(argc, argv, "RW", 8);
        // dy padded by Q before each axis, with room after for every tap and the tail block.
        int Q[3], E[3], outs[3] = {oD, oH, oW}, ins[3] = {D, H, W}, st[3] = {SD, S, S};
        for (int a = 0; a < 3; ++a) {
            int need = (K - 1) * DL - P; Q[a] = need > 0 ? (need + st[a] - 1) / st[a] : 0;
            int hi = (ins[a] - 1 + P) / st[a] + 1; E[a] = Q[a] + (hi > outs[a] ? hi : outs[a]) + (a == 2 ? RW : 0);
        }
        size_t dps = (size_t)N * CO * E[0] * E[1] * E[2];
        float* dyp = calloc(dps, 4);
        for (int r = 0; r < N * CO; ++r) for (int d = 0; d < oD; ++d) for (int h = 0; h < oH; ++h) for (int qq = 0; qq < oW; ++qq)
            dyp[(((size_t)r * E[0] + d + Q[0]) * E[1] + h + Q[1]) * E[2] + qq + Q[2]] = dy[(((size_t)r * oD + d) * oH + h) * oW + qq];
        int ciBlocks = (CI + block - 1) / block;
        float* packed = calloc((size_t)ciBlocks * block * CO * taps, 4);
        for (int o = 0; o < CO; ++o) for (int i = 0; i < CI; ++i) for (int t = 0; t < taps; ++t)
            packed[(((size_t)(i / block) * CO + o) * taps + t) * block + i % block] = w[((size_t)o * CI + i) * taps + t];
        cl_mem bd = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * dps, dyp, &e); CHECK(e);
        cl_mem bw = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * (size_t)ciBlocks * block * CO * taps, packed, &e); CHECK(e);
        outCount = xs; bout = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 * xs, 0, &e); CHECK(e);
        int gargs[12] = {N, CI, CO, E[0], E[1], E[2], D, H, W, Q[0], Q[1], Q[2]};
        CHECK(clSetKernelArg(k, 0, 8, &bd)); CHECK(clSetKernelArg(k, 1, 8, &bw)); CHECK(clSetKernelArg(k, 2, 8, &bout));
        for (int i = 0; i < 12; ++i) CHECK(clSetKernelArg(k, 3 + i, 4, &gargs[i]));
        g[0] = (size_t)S * (((W + S - 1) / S + RW - 1) / RW); g[1] = H; g[2] = (size_t)N * D * ciBlocks;
        ref = calloc(xs, sizeof(double)); terms = CO * taps;
        if (!getenv("NOCHECK")) for (int n = 0; n < N; ++n) for (int o = 0; o < CO; ++o) for (int d = 0; d < oD; ++d) for (int h = 0; h < oH; ++h) for (int qq = 0; qq < oW; ++qq) {
            double gy = dy[(((size_t)(n * CO + o) * oD + d) * oH + h) * oW + qq];
            for (int i = 0; i < CI; ++i) for (int a = 0; a < K; ++a) for (int b = 0; b < K; ++b) for (int c = 0; c < K; ++c) {
                int id = d * SD - P + a * DL, ih = h * S - P + b * DL, iw = qq * S - P + c * DL;
                if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                ref[(((size_t)(n * CI + i) * D + id) * H + ih) * W + iw] += gy * w[((size_t)o * CI + i) * taps + (a * K + b) * K + c];
            }
        }
    } else {
        int chunks = getenv("CHUNKS") ? atoi(getenv("CHUNKS")) : 1, CIG = def(argc, argv, "CIG", 1), KHG = def(argc, argv, "KHG", K);
        float* dyT = calloc((size_t)N * oD * oH * oW * COP, 4);
        for (int n = 0; n < N; ++n) for (int o = 0; o < CO; ++o) for (size_t s = 0; s < (size_t)oD * oH * oW; ++s)
            dyT[((size_t)n * oD * oH * oW + s) * COP + o] = dy[((size_t)n * CO + o) * oD * oH * oW + s];
        cl_mem bd = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * (size_t)N * oD * oH * oW * COP, dyT, &e); CHECK(e);
        outCount = ws * chunks; bout = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 * outCount, 0, &e); CHECK(e);
        args[9] = chunks;
        CHECK(clSetKernelArg(k, 0, 8, &bx)); CHECK(clSetKernelArg(k, 1, 8, &bd)); CHECK(clSetKernelArg(k, 2, 8, &bout));
        for (int i = 0; i < 10; ++i) CHECK(clSetKernelArg(k, 3 + i, 4, &args[i]));
        g[0] = (size_t)coBlocks * ((CI + CIG - 1) / CIG); g[1] = K * (K / KHG); g[2] = chunks;
        ref = calloc(ws, sizeof(double)); terms = N * oD * oH * oW;
        if (!getenv("NOCHECK")) for (int n = 0; n < N; ++n) for (int o = 0; o < CO; ++o) for (int d = 0; d < oD; ++d) for (int h = 0; h < oH; ++h) for (int qq = 0; qq < oW; ++qq) {
            double gy = dy[(((size_t)(n * CO + o) * oD + d) * oH + h) * oW + qq];
            for (int i = 0; i < CI; ++i) for (int a = 0; a < K; ++a) for (int b = 0; b < K; ++b) for (int c = 0; c < K; ++c)
                ref[((size_t)o * CI + i) * taps + (a * K + b) * K + c] += gy * xp[(((size_t)(n * CI + i) * Dp + d * SD + a * DL) * Hp + h * S + b * DL) * Wp + qq * S + c * DL];
        }
    }
    double best = 1e9;
    int repeats = getenv("REPEATS") ? atoi(getenv("REPEATS")) : 5;
    for (int it = 0; it <= repeats; ++it) {
        double t = now(); CHECK(clEnqueueNDRangeKernel(q, k, 3, 0, g, l, 0, 0, 0)); CHECK(clFinish(q)); t = now() - t;
        if (it && t < best) best = t;
    }
    out = malloc(4 * outCount); CHECK(clEnqueueReadBuffer(q, bout, CL_TRUE, 0, 4 * outCount, out, 0, 0, 0));
    size_t refCount = !strcmp(pass, "fwd") ? ys : !strcmp(pass, "gather") ? xs : ws; int chunks = (int)(outCount / refCount);
    double worst = 0; size_t bad = 0;
    if (!getenv("NOCHECK")) for (size_t i = 0; i < refCount; ++i) {
        float s = 0; for (int c = 0; c < chunks; ++c) s += out[c * refCount + i];
        double err = fabs(s - ref[i]); if (err > worst) worst = err;
        if (err > terms * 2.4e-7 + 1e-6) ++bad;
    }
    printf("%-10s %s N%d %d->%d %dx%dx%d k%d s%d p%d d%d:%s %7.1f GFLOP/s %8.2f ms  %s (max err %.2g, %zu bad)\n", kname, pass, N, CI, CO, D, H, W, K, S, P, DL,
           extras, flops / best / 1e9, best * 1e3, bad ? "FAIL" : "ok", worst, bad);
    return bad ? 2 : 0;
}
