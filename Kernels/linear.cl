// Bias kernels of the linear layer y = x W^T + b (the products go to GEMM).

// out[r, c] = bias[c]: the output starts as the bias, then GEMM adds x W^T (beta = 1).
__kernel void broadcast_rows(__global const float* bias, __global float* out, const int rows, const int cols) {
    const int i = get_global_id(0);
    if (i < rows * cols) out[i] = bias[i % cols];
}

// out[c] = sum over r of x[r, c], in order of r: the deterministic bias gradient.
__kernel void column_sums(__global const float* x, __global float* out, const int rows, const int cols) {
    const int c = get_global_id(0);
    if (c >= cols) return;
    float sum = 0.0f;
    for (int r = 0; r < rows; ++r) sum += x[(size_t)r * cols + c];
    out[c] = sum;
}
