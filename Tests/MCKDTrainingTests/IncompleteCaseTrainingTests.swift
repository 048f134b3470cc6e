import Foundation
import MCKDData
import MCKDEngine
import MCKDTraining
import XCTest

/// Training and evaluation on cases that lack modality files: a sample trains on what
/// its case has (the dropout draw restricted to it), so what a missing channel holds
/// cannot matter; complete cases train exactly as before; the Dice table scores each
/// case on the subsets it allows.
final class IncompleteCaseTrainingTests: XCTestCase {
    let backend = CPUBackend<Float>()

    func set(_ members: [Int]) throws -> ModalitySet { try ModalitySet(members, of: 4) }

    func trainer(seed: UInt64 = 7, warmup: Int = 0, perSample: Bool = false) throws -> SegmentationTrainer {
        let model = try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 2)
        var settings = SegmentationTrainingSettings(steps: 4)
        settings.seed = seed
        settings.method.warmupSteps = warmup
        settings.perSampleSubsets = perSample ? true : nil
        return try SegmentationTrainer(model: model, settings: settings)
    }

    /// Each sample's set is the draw intersected with what its case has (worked here with
    /// Swift sets), or its own set when the two have nothing in common; over 30 seeds.
    func testTheDropoutDrawIsRestrictedToEachCasesModalities() throws {
        let own = [try set([0, 1]), .all(4), try set([3])]
        var sawFallback = false, sawRestriction = false
        for perSample in [false, true] {
            for seed: UInt64 in 0..<30 {
                let trainer = try trainer(seed: seed, perSample: perSample)
                let drawn = perSample ? try trainer.dropout.subsets(atStep: 0, samples: 3).sets
                    : Array(repeating: trainer.dropout.subset(atStep: 0), count: 3)
                let sets = try trainer.availability(samples: 3, own: own).sets
                for n in 0..<3 {
                    let common = Set(drawn[n].members).intersection(own[n].members)
                    XCTAssertEqual(Set(sets[n].members), common.isEmpty ? Set(own[n].members) : common, "seed \(seed) sample \(n)")
                    sawFallback = sawFallback || common.isEmpty
                    sawRestriction = sawRestriction || (!common.isEmpty && common != Set(drawn[n].members))
                }
                XCTAssertEqual(try trainer.availability(samples: 3).sets, drawn, "without own sets: the draw itself")
            }
        }
        XCTAssertTrue(sawFallback && sawRestriction, "both cases must be exercised")
    }

    /// What a missing modality's channel holds (zeros or noise) changes nothing: not the
    /// losses, not theta_w, not one parameter bit, through training steps and meta steps
    /// whose batches lack it. The first step is an all-modality warm-up step, so without the
    /// restriction the noise would be used.
    func testAMissingChannelsContentCannotMatter() throws {
        let (input, targets) = try SegmentationTrainingTests.batch(backend)
        var values = try backend.download(input)
        let hostTargets = try backend.download(targets)
        let volume = 8 * 8 * 8
        // Sample 0 lacks T1ce (channel 2): zeros in one batch, noise in the other.
        for k in 0..<volume { values[2 * volume + k] = 0 }
        let quiet = values
        for k in 0..<volume { values[2 * volume + k] = Float(sin(Double(k) * 1.7)) * 3 }
        let noisy = values
        let own = [try set([0, 1, 3]), .all(4)]

        func run(_ batch: [Float]) throws -> (losses: [Float], weights: [Float], parameters: [[Float]]) {
            let trainer = try trainer(warmup: 1)
            let input = try backend.upload(batch, shape: [2, 4, 8, 8, 8])
            // The meta batch is sample 0's crop, which lacks T1ce too.
            let meta = (try backend.upload(Array(batch[0..<(4 * volume)]), shape: [1, 4, 8, 8, 8]),
                        try backend.upload(Array(hostTargets[0..<(3 * volume)]), shape: [1, 3, 8, 8, 8]), own[0])
            var losses: [Float] = []
            for _ in 0..<3 {
                let step = try trainer.train(input: input, targets: targets, own: own, metaBatches: [meta])
                losses += [try backend.scalar(step.dice), try backend.scalar(step.crossEntropy), try backend.scalar(step.distillation!),
                           try backend.scalar(step.meta!)]
                XCTAssertFalse(step.availability.sets[0].contains(2))
            }
            return (losses, try trainer.importanceWeights(), try trainer.model.parameters.map { try backend.download($0.value) })
        }
        let a = try run(quiet), b = try run(noisy)
        XCTAssertEqual(a.losses.map(\.bitPattern), b.losses.map(\.bitPattern))
        XCTAssertEqual(a.weights.map(\.bitPattern), b.weights.map(\.bitPattern))
        XCTAssertEqual(a.parameters.map { $0.map(\.bitPattern) }, b.parameters.map { $0.map(\.bitPattern) })
    }

    /// Complete cases (every `own` set full, meta batches with all modalities) train bit
    /// for bit as the complete-data path does.
    func testCompleteCasesTrainExactlyAsBefore() throws {
        let (input, targets) = try SegmentationTrainingTests.batch(backend)
        let plain = try trainer(), explicit = try trainer()
        for _ in 0..<3 {
            let a = try plain.train(input: input, targets: targets, metaBatch: (input, targets))
            let b = try explicit.train(input: input, targets: targets, own: [.all(4), .all(4)], metaBatches: [(input, targets, .all(4))])
            XCTAssertEqual(try backend.scalar(a.dice).bitPattern, try backend.scalar(b.dice).bitPattern)
            XCTAssertEqual(a.availability, b.availability)
        }
        for (p, q) in zip(plain.model.parameters, explicit.model.parameters) {
            XCTAssertEqual(try backend.download(p.value).map(\.bitPattern), try backend.download(q.value).map(\.bitPattern), p.name)
        }
        XCTAssertEqual(try plain.importanceWeights(), try explicit.importanceWeights())
    }

    /// Two labelled cases, one complete and one with FLAIR and T1 only: subsets within
    /// {FLAIR, T1} average both cases, the others are the complete case's alone (each
    /// worked from one-case tables); the tables say how many cases each row holds.
    func testTheDiceTableScoresEachCaseOnTheSubsetsItAllows() throws {
        let model = try SegmentationModel(backend, architecture: SegmentationTrainingTests.tiny, seed: 4)
        let evaluator = SegmentationEvaluator(model: model, tile: [8, 8, 8])
        let shape = [8, 8, 8], voxels = 512
        var labels = [UInt8](repeating: 0, count: voxels)
        for k in 100..<180 { labels[k] = [1, 2, 4][k % 3] }
        func image(_ phase: Float, missing: [Int]) -> [Float] {
            (0..<(4 * voxels)).map { k in missing.contains(k / voxels) ? 0 : sin(Float(k % voxels) * 0.37 + phase * Float(k / voxels + 1)) }
        }
        let complete = try BraTSVolume(caseID: "complete", shape: shape, image: image(0.3, missing: []), labels: labels, referenceHeader: NIfTIHeader())
        let partial = try BraTSVolume(caseID: "partial", shape: shape, image: image(1.1, missing: [2, 3]), labels: labels,
                                      referenceHeader: NIfTIHeader()).having([.flair, .t1])
        let both = try evaluator.evaluate([complete, partial])
        let alone = try evaluator.evaluate([complete]), partialAlone = try evaluator.evaluate([partial])
        XCTAssertNil(alone.rows[0].cases, "a complete table has no cases column")
        XCTAssertEqual(partialAlone.rows.map(\.available), ["FLAIR", "T1", "FLAIR+T1"])
        XCTAssertEqual(both.rows.count, 15)
        XCTAssertEqual(both.caseCount, 2)
        for (row, completeRow) in zip(both.rows, alone.rows) {
            XCTAssertEqual(row.available, completeRow.available)
            if let partialRow = partialAlone.rows.first(where: { $0.available == row.available }) {
                XCTAssertEqual(row.cases, 2)
                XCTAssertEqual(row.dice, zip(completeRow.dice, partialRow.dice).map { ($0 + $1) / 2 }, row.available)
            } else {
                XCTAssertEqual(row.cases, 1)
                XCTAssertEqual(row.dice, completeRow.dice, row.available)
            }
        }
        XCTAssertTrue(both.csv().hasPrefix("available,ET,TC,WT,cases\n"))
        XCTAssertTrue(both.csv().contains("\nFLAIR+T1,") && both.formatted().split(separator: "\n")[0].hasSuffix("cases"))
        XCTAssertEqual(alone.csv().split(separator: "\n")[0], "available,ET,TC,WT")
    }
}
