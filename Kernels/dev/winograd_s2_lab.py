"""Times winograd_s2_lab.cl (minimal filtering along W for kernel 3, stride 2, pad 1)
against Kernels/conv3d.cl's conv3d_forward_inside on the bench's stride-2 row
(128 -> 128 channels at 16^3, batch 1), checks both against a float64 reference
(worst error over the sum of |w x|), and prints each launch's best of 10 per round.

    pip install pyopencl numpy
    ROUNDS=3 python3 winograd_s2_lab.py 4x1 2x2 1x4 3x1     # tiles PPxCOV

Throwaway dev tool: minimal error handling; run it from Kernels/dev.
"""
import os
import sys
import time

import numpy as np
import pyopencl as cl

N, CI, CO, D = 1, 128, 128, 16
OUT = D // 2
PAIRS = OUT // 2
GEOMETRY = ("-cl-std=CL1.2 -DKD=3 -DKH=3 -DKW=3 -DSD=2 -DSH=2 -DSW=2 -DPD=1 -DPH=1 -DPW=1 "
            "-DDD=1 -DDH=1 -DDW=1 -DVW=16")
i32 = np.int32


def reference(x, w):
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1)))
    y = np.zeros((N, CO, OUT, OUT, OUT))
    magnitude = np.zeros_like(y)
    for kd in range(3):
        for kh in range(3):
            for kw in range(3):
                window = xp[:, :, kd:kd + 2 * OUT:2, kh:kh + 2 * OUT:2, kw:kw + 2 * OUT:2]
                tap = w[:, :, kd, kh, kw].astype(np.float64)
                y += np.einsum('oc,ncdhw->nodhw', tap, window)
                magnitude += np.einsum('oc,ncdhw->nodhw', np.abs(tap), np.abs(window))
    return y, magnitude


def main():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (N, CI, D, D, D)).astype(np.float32)
    w = rng.uniform(-1, 1, (CO, CI, 3, 3, 3)).astype(np.float32)
    expected, magnitude = reference(x, w)
    context = cl.Context(cl.get_platforms()[0].get_devices())
    queue = cl.CommandQueue(context)
    flags = cl.mem_flags
    x_buffer = cl.Buffer(context, flags.READ_WRITE | flags.COPY_HOST_PTR, hostbuf=x)
    w_buffer = cl.Buffer(context, flags.READ_WRITE | flags.COPY_HOST_PTR, hostbuf=w)
    y_buffer = cl.Buffer(context, flags.READ_WRITE, 4 * expected.size)

    def best(launch, repeats=10):
        launch()
        queue.finish()
        fastest = 1e9
        for _ in range(repeats):
            start = time.perf_counter()
            launch()
            queue.finish()
            fastest = min(fastest, time.perf_counter() - start)
        return fastest * 1e3

    def error():
        y = np.empty(expected.shape, np.float32)
        cl.enqueue_copy(queue, y, y_buffer)
        queue.finish()
        return np.max(np.abs(y - expected) / magnitude)

    # The landed kernel, RW=8 COV=2, on weights packed on the host as pack_weights would.
    inside_program = cl.Program(context, open('../conv3d.cl').read()).build(options=GEOMETRY + " -DRW=8 -DCOV=2 -DRE=0")
    inside_kernel = cl.Kernel(inside_program, 'conv3d_forward_inside')
    packed = w.reshape(CO // 32, 32, CI * 27).transpose(0, 2, 1).copy()
    packed_buffer = cl.Buffer(context, flags.READ_WRITE | flags.COPY_HOST_PTR, hostbuf=packed)

    def inside():
        inside_kernel(queue, (1, OUT, N * OUT * CO // 32), (1, 1, 1), x_buffer, packed_buffer, packed_buffer, y_buffer,
                      i32(N), i32(CI), i32(CO), i32(D), i32(D), i32(D), i32(OUT), i32(OUT), i32(OUT), i32(0))

    transformed = cl.Buffer(context, flags.READ_WRITE, 4 * N * CI * D * D * PAIRS * 5)
    source = open('winograd_s2_lab.cl').read()
    tiles = [tuple(int(v) for v in arg.split('x')) for arg in sys.argv[1:]] or [(4, 1)]
    launches = {}
    for pp, cov in tiles:
        program = cl.Program(context, source).build(options=GEOMETRY + f" -DPP={pp} -DCOV={cov}")
        weights = cl.Buffer(context, flags.READ_WRITE, 4 * CO * CI * 9 * 4)
        input_kernel = cl.Kernel(program, 'winograd_s2_input')
        weight_kernel = cl.Kernel(program, 'winograd_s2_weights')
        forward_kernel = cl.Kernel(program, 'conv3d_forward_winograd_s2')
        co_blocks = CO // (16 * cov)
        launches[(pp, cov)] = (
            lambda k=input_kernel: k(queue, (N * CI * D,), (1,), x_buffer, transformed, i32(N * CI * D), i32(D), i32(D),
                                     i32(PAIRS)),
            lambda k=weight_kernel, wt=weights, b=co_blocks: k(queue, (CO // 16, CI), (1, 1), w_buffer, wt, i32(CI), i32(CO),
                                                              i32(b)),
            lambda k=forward_kernel, wt=weights, b=co_blocks, p=pp: k(
                queue, ((PAIRS + p - 1) // p, OUT, N * OUT * b), (1, 1, 1), transformed, wt, wt, y_buffer, i32(N), i32(CI),
                i32(CO), i32(D), i32(D), i32(PAIRS), i32(OUT), i32(OUT), i32(OUT), i32(0)))

    inside()
    print(f"inside: worst error {error():.2e} of sum |w x|")
    for tile, (transform_input, transform_weights, forward) in launches.items():
        transform_input()
        transform_weights()
        forward()
        print(f"PP{tile[0]} COV{tile[1]}: worst error {error():.2e} of sum |w x|")
    for _ in range(int(os.environ.get('ROUNDS', 3))):
        line = f"inside {best(inside):.3f} ms"
        for tile, (transform_input, transform_weights, forward) in launches.items():
            line += (f" | PP{tile[0]} COV{tile[1]}: forward {best(forward):.3f}, input {best(transform_input):.3f},"
                     f" weights {best(transform_weights):.3f}")
        print(line)


if __name__ == '__main__':
    main()
