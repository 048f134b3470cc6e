// Times Kernels/conv3d_winograd.cl on the paper model's stem (or another D H W CO),
// checks it against a direct convolution in double, and prints each launch's best time.
//   cc -O2 Kernels/dev/winograd_lab.c -o /tmp/winograd_lab -lOpenCL -lm
//   /tmp/winograd_lab Kernels/conv3d_winograd.cl CB [D H W CO CI]   (REPEATS=n)
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
#define CHECK(e) do { cl_int s_ = (e); if (s_) { printf("OpenCL error %d at line %d\n", s_, __LINE__); exit(1); } } while (0)
static int arg(int argc, char** argv, int i, int fallback) { return argc > i ? atoi(argv[i]) : fallback; }

int main(int argc, char** argv) {
    if (argc < 3) { puts("usage: winograd_lab KERNELS.cl CB [D H W CO CI]"); return 1; }
    const int CB = atoi(argv[2]), D = arg(argc, argv, 3, 32), H = arg(argc, argv, 4, 64), W = arg(argc, argv, 5, 64);
    const int CO = arg(argc, argv, 6, 64), CI = arg(argc, argv, 7, 1), N = 1, K = 7, SD = 1, SH = 2, SW = 2, P = 3;
    const int VW = 16, R = getenv("REPEATS") ? atoi(getenv("REPEATS")) : 20;
    const int oD = (D + 2 * P - K) / SD + 1, oH = (H + 2 * P - K) / SH + 1, oW = (W + 2 * P - K) / SW + 1;
    const int groups = (oW + 2 * VW - 1) / (2 * VW), cobs = (CO + CB - 1) / CB, rows = N * CI * D * H;
    const size_t nx = (size_t)rows * W, nw = (size_t)CO * CI * K * K * K, ny = (size_t)N * CO * oD * oH * oW;
    const size_t nt = (size_t)rows * groups * 10 * VW, nwt = (size_t)cobs * CB * CI * K * K * 10;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4);
    srand(1);
    for (size_t i = 0; i < nx; i++) x[i] = rand() / (float)RAND_MAX * 2 - 1;
    for (size_t i = 0; i < nw; i++) w[i] = (rand() / (float)RAND_MAX * 2 - 1) * 0.1f;

    FILE* f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); long n = ftell(f); rewind(f);
    char* source = malloc(n + 1); fread(source, 1, n, f); source[n] = 0; fclose(f);
    cl_platform_id platform; clGetPlatformIDs(1, &platform, 0);
    cl_device_id device; clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, 0);
    cl_context context = clCreateContext(0, 1, &device, 0, 0, 0);
    cl_command_queue queue = clCreateCommandQueue(context, device, 0, 0);
    cl_program program = clCreateProgramWithSource(context, 1, (const char**)&source, 0, 0);
    char options[256];
    sprintf(options, "-DVW=%d -DCB=%d -DKD=7 -DKH=7 -DSD=%d -DSH=%d -DPD=%d -DPH=%d -DDD=1 -DDH=1 -DPW=%d", VW, CB, SD, SH, P, P, P);
    if (clBuildProgram(program, 1, &device, options, 0, 0)) {
        char log[20000]; clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, sizeof log, log, 0); puts(log); return 1;
    }
    cl_int e;
    cl_mem bx = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nx * 4, x, &e);
    cl_mem bw = clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nw * 4, w, &e);
    cl_mem bt = clCreateBuffer(context, CL_MEM_READ_WRITE, nt * 4, 0, &e), bwt = clCreateBuffer(context, CL_MEM_READ_WRITE, nwt * 4, 0, &e);
    cl_mem by = clCreateBuffer(context, CL_MEM_READ_WRITE, ny * 4, 0, &e);
    CHECK(e);
    cl_kernel kin = clCreateKernel(program, "winograd_input", &e), kw = clCreateKernel(program, "winograd_weights", &e);
    cl_kernel kf = clCreateKernel(program, "conv3d_forward_winograd", &e);
    CHECK(e);
    clSetKernelArg(kin, 0, sizeof bx, &bx); clSetKernelArg(kin, 1, sizeof bt, &bt);
    const int planes = N * CI * D;
    clSetKernelArg(kin, 2, 4, &planes); clSetKernelArg(kin, 3, 4, &H); clSetKernelArg(kin, 4, 4, &W); clSetKernelArg(kin, 5, 4, &groups);
    clSetKernelArg(kw, 0, sizeof bw, &bw); clSetKernelArg(kw, 1, sizeof bwt, &bwt);
    clSetKernelArg(kw, 2, 4, &CI); clSetKernelArg(kw, 3, 4, &CO); clSetKernelArg(kw, 4, 4, &cobs);
    const int noBias = 0, ints[] = {N, CI, CO, D, H, groups, oD, oH, oW, noBias};
    clSetKernelArg(kf, 0, sizeof bt, &bt); clSetKernelArg(kf, 1, sizeof bwt, &bwt);
    clSetKernelArg(kf, 2, sizeof bwt, &bwt); clSetKernelArg(kf, 3, sizeof by, &by);
    for (int i = 0; i < 10; i++) clSetKernelArg(kf, 4 + i, 4, &ints[i]);
    const size_t gin[1] = {(size_t)N * CI * D}, lin[1] = {1};
    const size_t gw[1] = {(size_t)cobs * CB * CI}, lw[1] = {1};
    const size_t gf[3] = {(size_t)groups, (size_t)oH, (size_t)N * oD * cobs}, lf[3] = {1, 1, 1};
    double best[3] = {1e9, 1e9, 1e9};
    for (int r = 0; r <= R; r++) {
        double t0 = now();
        CHECK(clEnqueueNDRangeKernel(queue, kin, 1, 0, gin, lin, 0, 0, 0)); clFinish(queue);
        double t1 = now();
        CHECK(clEnqueueNDRangeKernel(queue, kw, 1, 0, gw, lw, 0, 0, 0)); clFinish(queue);
        double t2 = now();
        CHECK(clEnqueueNDRangeKernel(queue, kf, 3, 0, gf, lf, 0, 0, 0)); clFinish(queue);
        double t3 = now();
        if (r) { best[0] = fmin(best[0], t1 - t0); best[1] = fmin(best[1], t2 - t1); best[2] = fmin(best[2], t3 - t2); }
    }
    clEnqueueReadBuffer(queue, by, CL_TRUE, 0, ny * 4, y, 0, 0, 0);
    // Useful FLOPs (taps inside the input) and the error against a direct sum in double,
    // relative to the sum of |w x| of each output.
    double flops = 0, worst = 0;
    for (int co = 0; co < CO; co++) for (int od = 0; od < oD; od++) for (int oh = 0; oh < oH; oh++) for (int ow = 0; ow < oW; ow++) {
        double sum = 0, magnitude = 0;
        for (int ci = 0; ci < CI; ci++) for (int kd = 0; kd < K; kd++) {
            const int id = od * SD - P + kd; if (id < 0 || id >= D) continue;
            for (int kh = 0; kh < K; kh++) {
                const int ih = oh * SH - P + kh; if (ih < 0 || ih >= H) continue;
                for (int kx = 0; kx < K; kx++) {
                    const int iw = ow * SW - P + kx; if (iw < 0 || iw >= W) continue;
                    const double product = (double)x[(((size_t)ci * D + id) * H + ih) * W + iw] * w[((((size_t)co * CI + ci) * K + kd) * K + kh) * K + kx];
                    sum += product; magnitude += fabs(product); flops += 2;
                }
            }
        }
        worst = fmax(worst, fabs(y[(((size_t)co * oD + od) * oH + oh) * oW + ow] - sum) / (magnitude + 1e-30));
    }
    printf("VW %d CB %d: input %.3f ms, weights %.3f ms, forward %.3f ms (%.1f GFLOP/s useful); worst |error| / sum|w x| %.2e\n",
           VW, CB, best[0] * 1e3, best[1] * 1e3, best[2] * 1e3, flops / best[2] / 1e9, worst);
    return 0;
}
