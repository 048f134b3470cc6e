import CCLBlast
import COpenCL

extension OpenCLBackend {
    /// Matrix products go to CLBlast (row-major). A strided-batched product uses
    /// CLBlastSgemmStridedBatched; `GEMMDescriptor.validate` has already refused
    /// overlapping C strides (zero included), which CLBlast 1.5.3 gets wrong.
    public func gemm(_ g: GEMMDescriptor, a: Tensor, b: Tensor, c: Tensor) throws {
        try g.validate(countA: a.count, countB: b.count, countC: c.count)
        if isDryRun {
            counters.kernelLaunches += 1
            return
        }
        let memoryA = try storage(a).memory, memoryB = try storage(b).memory, memoryC = try storage(c).memory
        let transposeA = g.transposeA ? CLBlastTransposeYes : CLBlastTransposeNo
        let transposeB = g.transposeB ? CLBlastTransposeYes : CLBlastTransposeNo
        var queue: cl_command_queue? = self.queue
        let status: CLBlastStatusCode
        let call: String
        if g.batchCount == 1 {
            call = "CLBlastSgemm"
            status = CLBlastSgemm(CLBlastLayoutRowMajor, transposeA, transposeB, g.m, g.n, g.k, g.alpha,
                                  memoryA, g.offsetA, g.lda, memoryB, g.offsetB, g.ldb, g.beta,
                                  memoryC, g.offsetC, g.ldc, &queue, nil)
        } else {
            call = "CLBlastSgemmStridedBatched"
            status = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, transposeA, transposeB, g.m, g.n, g.k, g.alpha,
                                                memoryA, g.offsetA, g.lda, g.strideA, memoryB, g.offsetB, g.ldb, g.strideB,
                                                g.beta, memoryC, g.offsetC, g.ldc, g.strideC, g.batchCount, &queue, nil)
        }
        if status != CLBlastSuccess {
            let code = status.rawValue
            let meaning = OpenCLErrorNames.names[code].map { " (\($0))" } ?? ""
            throw EngineError.clblast(call: call, status: code, context: "\(g.summary)\(meaning) on \(device.name)")
        }
        counters.kernelLaunches += 1
    }
}
