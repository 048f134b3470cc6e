/// One (possibly strided-batched) row-major matrix product
/// C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b], b in 0..<batchCount,
/// with op(A) of size m x k, op(B) k x n and C m x n. Offsets and strides count elements.
public struct GEMMDescriptor: Equatable, Sendable {
    public var transposeA: Bool
    public var transposeB: Bool
    public var m: Int, n: Int, k: Int
    public var alpha: Float
    public var beta: Float
    public var lda: Int, ldb: Int, ldc: Int
    public var offsetA = 0, offsetB = 0, offsetC = 0
    public var batchCount = 1
    public var strideA = 0, strideB = 0, strideC = 0

    /// A single product of densely packed matrices (leading dimensions from the shapes).
    /// - Parameters:
    ///   - transposeA: use A^T (A stored k x m).
    ///   - transposeB: use B^T (B stored n x k).
    ///   - m: rows of op(A) and C.
    ///   - n: columns of op(B) and C.
    ///   - k: columns of op(A), rows of op(B).
    ///   - alpha: scales the product.
    ///   - beta: scales C before the product is added (0: C is overwritten).
    public init(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                alpha: Float = 1, beta: Float = 0) {
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.m = m
        self.n = n
        self.k = k
        self.alpha = alpha
        self.beta = beta
        lda = transposeA ? m : k
        ldb = transposeB ? k : n
        ldc = n
    }

    /// Rows and columns of A and B as stored (before the transposes are applied).
    var storedRowsA: Int { transposeA ? k : m }
    var storedRowsB: Int { transposeB ? n : k }

    /// Checks dimensions, leading dimensions and strides against the tensors' sizes.
    /// Overlapping C matrices (a C stride smaller than one C matrix, zero included)
    /// are rejected: batches would race on the same outputs.
    func validate(countA: Int, countB: Int, countC: Int) throws {
        func fail(_ message: String) -> EngineError { .invalidArgument("GEMM \(self.summary): \(message)") }
        guard m >= 1, n >= 1, k >= 1, batchCount >= 1 else { throw fail("m, n, k and batchCount must be >= 1") }
        guard lda >= (transposeA ? m : k) else { throw fail("lda \(lda) is smaller than a row of A") }
        guard ldb >= (transposeB ? k : n) else { throw fail("ldb \(ldb) is smaller than a row of B") }
        guard ldc >= n else { throw fail("ldc \(ldc) is smaller than n") }
        if batchCount > 1 {
            guard strideC >= (m - 1) * ldc + n else {
                throw fail("strideC \(strideC) makes the C matrices overlap (need >= \((m - 1) * ldc + n))")
            }
            guard strideA >= 0, strideB >= 0 else { throw fail("negative stride") }
        }
        func end(_ offset: Int, _ stride: Int, _ rows: Int, _ ld: Int, _ cols: Int) -> Int {
            offset + (batchCount - 1) * stride + (rows - 1) * ld + cols
        }
        let endA = end(offsetA, strideA, storedRowsA, lda, transposeA ? m : k)
        let endB = end(offsetB, strideB, storedRowsB, ldb, transposeB ? k : n)
        let endC = end(offsetC, strideC, m, ldc, n)
        guard endA <= countA else { throw fail("A needs \(endA) elements, tensor has \(countA)") }
        guard endB <= countB else { throw fail("B needs \(endB) elements, tensor has \(countB)") }
        guard endC <= countC else { throw fail("C needs \(endC) elements, tensor has \(countC)") }
    }

    var summary: String {
        "\(transposeA ? "T" : "N")\(transposeB ? "T" : "N") m=\(m) n=\(n) k=\(k) batch=\(batchCount)"
    }

    /// Floating-point operations of the whole product (2 per multiply-add).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(batchCount) }
}
