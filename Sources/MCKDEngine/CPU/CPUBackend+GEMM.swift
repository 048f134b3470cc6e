extension CPUBackend {
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func gemm(_ g: GEMMDescriptor, a: Tensor, b: Tensor, c: Tensor) throws {
        try g.validate(countA: a.count, countB: b.count, countC: c.count)
        let A = try buffer(a), B = try buffer(b), C = try buffer(c)
        let alpha = Scalar(g.alpha), beta = Scalar(g.beta)
        for batch in 0..<g.batchCount {
            let baseA = g.offsetA + batch * g.strideA
            let baseB = g.offsetB + batch * g.strideB
            let baseC = g.offsetC + batch * g.strideC
            // One row of C per task; row i accumulates alpha * A[i,p] * B[p,:] over p in order.
            parallelFor(g.m, minimumChunk: max(1, 65_536 / max(1, g.n * g.k))) { rows in
                for i in rows {
                    let row = baseC + i * g.ldc
                    for j in 0..<g.n {
                        // beta == 0 means C is not read (BLAS semantics), so stale NaNs vanish.
                        C[row + j] = beta == 0 ? 0 : beta * C[row + j]
                    }
                    let rowC = C.baseAddress! + row
                    for p in 0..<g.k {
                        let aip = alpha * (g.transposeA ? A[baseA + p * g.lda + i] : A[baseA + i * g.lda + p])
                        if g.transposeB {
                            for j in 0..<g.n { rowC[j] += aip * B[baseB + j * g.ldb + p] }
                        } else {
                            let rowB = UnsafePointer(B.baseAddress! + baseB + p * g.ldb)
                            for j in 0..<g.n { rowC[j] += aip * rowB[j] }
                        }
                    }
                }
            }
        }
    }
}
