// Times one weight-packing kernel (Kernels/conv3d_support.cl's pack_weights or a
// variant with its argument list) on G matrices [R, C], best of REPEATS (default 20)
// after a warm-up, and checks every packed value against the layout
// packed[((r / block) * G + g) * C + col) * block + r % block] = w[g, r, col].
//   cc -O2 pack_lab.c -o pack_lab -lOpenCL
//   ./pack_lab FILE KERNEL G R C BLOCK GLOBAL0 GLOBAL1 GLOBAL2
// FLUSH=1 overwrites 64 MB between launches (weights out of cache); FRESH=1 allocates
// a new output buffer before each launch. Throwaway dev tool: minimal error handling.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
#define CHECK(e) do { cl_int _e = (e); if (_e) { printf("CL error %d at line %d\n", _e, __LINE__); exit(1); } } while (0)

int main(int argc, char** argv) {
    if (argc < 10) { printf("usage: see the header\n"); return 1; }
    const char *file = argv[1], *name = argv[2];
    int G = atoi(argv[3]), R = atoi(argv[4]), C = atoi(argv[5]), block = atoi(argv[6]);
    size_t global[3] = {atoi(argv[7]), atoi(argv[8]), atoi(argv[9])}, local[3] = {1, 1, 1};
    int flush = getenv("FLUSH") != NULL, fresh = getenv("FRESH") != NULL;
    int repeats = getenv("REPEATS") ? atoi(getenv("REPEATS")) : 20;
    int Rp = (R + block - 1) / block * block;
    size_t wCount = (size_t)G * R * C, pCount = (size_t)G * Rp * C, flushBytes = 64u << 20;
    float* w = malloc(4 * wCount);
    for (size_t i = 0; i < wCount; ++i) w[i] = (float)(i % 1000) * 0.5f - 7;

    cl_platform_id platform; clGetPlatformIDs(1, &platform, 0);
    cl_device_id device; clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, 0);
    cl_int e; cl_context ctx = clCreateContext(0, 1, &device, 0, 0, &e); CHECK(e);
    cl_command_queue queue = clCreateCommandQueue(ctx, device, 0, &e); CHECK(e);
    FILE* f = fopen(file, "rb"); if (!f) { printf("cannot open %s\n", file); return 1; }
    fseek(f, 0, SEEK_END); long length = ftell(f); rewind(f);
    char* source = malloc(length + 1); fread(source, 1, length, f); source[length] = 0; fclose(f);
    cl_program program = clCreateProgramWithSource(ctx, 1, (const char**)&source, 0, &e); CHECK(e);
    if (clBuildProgram(program, 1, &device, "-cl-std=CL1.2", 0, 0)) {
        static char log[200000]; clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, sizeof log, log, 0);
        printf("%s\n", log); return 1;
    }
    cl_kernel kernel = clCreateKernel(program, name, &e); CHECK(e);
    cl_mem weights = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, 4 * wCount, w, &e); CHECK(e);
    cl_mem packed = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 * pCount, 0, &e); CHECK(e);
    cl_mem scratch = clCreateBuffer(ctx, CL_MEM_READ_WRITE, flushBytes, 0, &e); CHECK(e);
    int flip = 0; float zero = 0;
    CHECK(clSetKernelArg(kernel, 0, sizeof weights, &weights)); CHECK(clSetKernelArg(kernel, 1, sizeof packed, &packed));
    CHECK(clSetKernelArg(kernel, 2, 4, &G)); CHECK(clSetKernelArg(kernel, 3, 4, &R)); CHECK(clSetKernelArg(kernel, 4, 4, &C));
    CHECK(clSetKernelArg(kernel, 5, 4, &block)); CHECK(clSetKernelArg(kernel, 6, 4, &flip));

    double best = 1e9;
    for (int i = 0; i <= repeats; ++i) {
        if (flush) { CHECK(clEnqueueFillBuffer(queue, scratch, &zero, 4, 0, flushBytes, 0, 0, 0)); clFinish(queue); }
        if (fresh) {
            clReleaseMemObject(packed);
            packed = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4 * pCount, 0, &e); CHECK(e);
            CHECK(clSetKernelArg(kernel, 1, sizeof packed, &packed));
        }
        double t = now();
        CHECK(clEnqueueNDRangeKernel(queue, kernel, 3, 0, global, local, 0, 0, 0));
        clFinish(queue);
        t = now() - t;
        if (i > 0 && t < best) best = t;   // launch 0 is the warm-up
    }
    float* p = malloc(4 * pCount);
    CHECK(clEnqueueReadBuffer(queue, packed, CL_TRUE, 0, 4 * pCount, p, 0, 0, 0));
    long bad = 0;
    for (int g = 0; g < G; ++g) for (int r = 0; r < Rp; ++r) for (int c = 0; c < C; ++c) {
        float want = r < R ? w[((size_t)g * R + r) * C + c] : 0.0f;
        float got = p[(((size_t)(r / block) * G + g) * C + c) * block + r % block];
        if (got != want && bad++ < 3) printf("wrong at g %d r %d col %d: %g, expected %g\n", g, r, c, got, want);
    }
    printf("%s %s: %.3f ms, best of %d%s%s, %s\n", file, name, best * 1e3, repeats, flush ? ", flushed" : "",
           fresh ? ", fresh output" : "", bad ? "WRONG" : "ok");
    return bad != 0;
}
