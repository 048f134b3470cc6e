import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// The bi-level step's finite-difference hypergradient against a brute-force numerical
/// derivative of L_meta(theta - xi g(theta, w), w) with respect to theta_w, g being the
/// gradient the real step uses, on a small model in Double on the CPU reference.
final class HypergradientTests: XCTestCase {
    /// The method's default configuration: detached teacher, L1 distance, look-ahead
    /// radius 0.01, 4 modalities, a narrowed small model at a 16^3 crop. The finite
    /// difference moves only the student side of each D_ij. Measured: the largest
    /// deviation is 1.9% of the largest component, the central difference's own error at
    /// this radius (features of different modalities lie close, so within +- 0.01 some of
    /// L1's kinks are crossed); the bound is 5%. Moving both sides of D_ij (the formula for
    /// an undetached g) deviates by 12%.
    func testDefaultConfigurationMatchesBruteForce() throws {
        let settings = SegmentationTrainingSettings(steps: 10)
        XCTAssertTrue(settings.detachTeacher)
        XCTAssertEqual(settings.distillation, .l1)
        XCTAssertEqual(settings.lookAheadRadius, 0.01)
        try checkAgainstBruteForce(settings, architecture: small([4, 8], modalities: 4), crop: [16, 16, 16], relativeTolerance: 0.05)
    }

    /// The same formula with a small radius, where the central difference is exact to
    /// rounding: measured 3e-8 of the largest component (bound 1e-6); moving both sides of
    /// D_ij deviates by 198%.
    func testDetachedTeacherLookAheadIsExact() throws {
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.lookAheadRadius = 1e-4
        try checkAgainstBruteForce(settings, architecture: small([4, 6], modalities: 4), crop: [4, 4, 4], relativeTolerance: 1e-6)
    }

    /// The paper topology (narrowed 16x) at a 16x64x64 crop, whose bottleneck (1x2x2
    /// voxels) is not identically zero as at the smallest crop: the look-ahead through the
    /// ResNet-50 encoder, the ASPP and the decoder's skip blocks, detached teacher, L1.
    /// This deep network has kinks (LeakyReLU, L1) close to its operating point: the
    /// radius and the brute-force step are 1e-6 and 1e-7 (at 1e-4 and 1e-6 both
    /// differences are 1-2% off); measured deviation 3e-6 of the largest component.
    func testPaperTopologyLookAheadMatchesBruteForce() throws {
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.lookAheadRadius = 1e-6
        try checkAgainstBruteForce(settings, architecture: try .paper(widthDivisor: 16), crop: [16, 64, 64], bruteForceStep: 1e-7,
                                   relativeTolerance: 1e-4)
    }

    /// An undetached teacher (g the true gradient of L_train), MSE and a small radius:
    /// both sides of D_ij move.
    func testUndetachedTeacherMatchesBruteForce() throws {
        var settings = SegmentationTrainingSettings(steps: 10)
        settings.distillation = .meanSquared       // smooth, so finite differences are meaningful
        settings.detachTeacher = false
        settings.lookAheadRadius = 1e-4    // the method's 0.01 leaves a measured 4% truncation error on this tiny network
        try checkAgainstBruteForce(settings, architecture: small([2, 3], modalities: 3), crop: [4, 4, 4], relativeTolerance: 0.001)
    }

    /// h from `SegmentationTrainer.hypergradient` against central differences of the
    /// look-ahead meta loss in theta_w (step 1e-6 by default: larger steps cross LeakyReLU
    /// kinks of the meta forward, measured 3% off at 1e-5 on the default small model);
    /// every component within relativeTolerance x the largest one.
    func small(_ channels: [Int], modalities: Int) -> SegmentationArchitecture {
        SegmentationArchitecture(channels: channels, modalities: modalities, outputChannels: 2, standardizeWeights: false)
    }

    func checkAgainstBruteForce(_ base: SegmentationTrainingSettings, architecture: SegmentationArchitecture, crop: [Int],
                                bruteForceStep: Double = 1e-6, relativeTolerance: Double) throws {
        let backend = CPUBackend<Double>()
        let model = try SegmentationModel(backend, architecture: architecture, seed: 21)
        var settings = base
        settings.warmupSteps = 10          // every modality present: all KD pairs active
        settings.distillationWeight = 0.5  // a KD term large enough to matter in h
        settings.learningRate = 0.05
        settings.seed = 4
        let trainer = try SegmentationTrainer(model: model, settings: settings)

        func volume(_ shape: Shape, seed: UInt64) throws -> Tensor {
            let t = try backend.makeTensor(shape: shape)
            try backend.fillRandom(t, .normal(mean: 0, standardDeviation: 1), seed: seed, stream: 0)
            return t
        }
        func mask(_ shape: Shape, seed: UInt64) throws -> Tensor {
            let t = try backend.makeTensor(shape: shape)
            try backend.fillRandom(t, .uniform(low: 0, high: 1), seed: seed, stream: 1)
            return try backend.uploadScalars(try backend.values(t).map { $0 > 0.6 ? 1 : 0 }, shape: shape)
        }
        let m = architecture.modalities, outputs = architecture.outputChannels
        let input = try volume(Shape([1, m] + crop), seed: 1), targets = try mask(Shape([1, outputs] + crop), seed: 2)
        let meta = (input: try volume(Shape([1, m] + crop), seed: 3), targets: try mask(Shape([1, outputs] + crop), seed: 4))

        let analytic = try backend.values(try trainer.hypergradient(input: input, targets: targets, metaBatch: meta))

        let theta0 = try backend.values(trainer.thetaW)
        let parameters = model.parameters
        let xi = Double(settings.scheduledLearningRate(atStep: trainer.step))
        func metaLossAfterLookAhead(_ theta: [Double]) throws -> Double {
            try backend.copy(try backend.uploadScalars(theta, shape: trainer.thetaW.shape), to: trainer.thetaW)
            let saved = try parameters.map { try backend.values($0.value) }
            _ = try trainer.computeTrainingGradient(input: input, targets: targets)
            for parameter in parameters { try backend.axpy(alpha: Float(-xi), x: parameter.gradient, y: parameter.value) }
            let weights = try backend.makeTensor(shape: [1, m])
            try backend.softmaxForward(x: try trainer.thetaW.reshaped([1, m]), into: weights)
            let (logits, _) = try model.forward(meta.input, available: .all(m), gateWeights: try weights.reshaped([m]))
            let dice = try backend.makeTensor(shape: [1]), bce = try backend.makeTensor(shape: [1])
            try backend.diceLoss(logits: logits, targets: meta.targets, loss: dice, gradLogits: nil)
            try backend.binaryCrossEntropyLoss(logits: logits, targets: meta.targets, loss: bce, gradLogits: nil)
            for (parameter, values) in zip(parameters, saved) {
                try backend.copy(try backend.uploadScalars(values, shape: parameter.value.shape), to: parameter.value)
            }
            return try backend.values(dice)[0] + backend.values(bce)[0]
        }
        let numeric = try numericalGradient(at: theta0, step: bruteForceStep, metaLossAfterLookAhead)
        try backend.copy(try backend.uploadScalars(theta0, shape: trainer.thetaW.shape), to: trainer.thetaW)

        let scale = numeric.map(abs).max()!
        let deviation = zip(analytic, numeric).map { abs($0 - $1) }.max()!
        print("hypergradient (detach \(settings.detachTeacher), \(MCKDSettings.name(of: settings.distillation)), radius \(settings.lookAheadRadius)): "
              + "analytic \(analytic), brute force \(numeric), largest deviation \(deviation / scale) of the largest component")
        XCTAssertGreaterThan(scale, 1e-6, "the hypergradient must not vanish in this set-up")
        for (k, (a, n)) in zip(analytic, numeric).enumerated() {
            XCTAssertEqual(a, n, accuracy: relativeTolerance * scale, "component \(k): analytic \(analytic), brute force \(numeric)")
        }
    }
}

/// Central finite differences of a scalar function (the engine tests' helper, for this target).
func numericalGradient(at point: [Double], step: Double, _ loss: ([Double]) throws -> Double) rethrows -> [Double] {
    var probe = point
    return try point.indices.map { index in
        probe[index] = point[index] + step
        let plus = try loss(probe)
        probe[index] = point[index] - step
        let minus = try loss(probe)
        probe[index] = point[index]
        return (plus - minus) / (2 * step)
    }
}
