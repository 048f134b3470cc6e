import Foundation
import MCKDEngine
import MCKDTraining
import XCTest

/// configuration.json as both tasks write it (one `task` key, one flat `training`
/// object) and as older run folders hold it (no `task`: BraTS).
final class RunConfigurationTests: XCTestCase {
    func object(_ json: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// configuration.json of `configuration`: its `task`, its `training` object's keys and
    /// KD loss name, and that it reads back as `tagged`.
    func assertWritten<Configuration: TaskConfiguration>(_ configuration: Configuration, reads tagged: RunConfiguration,
                                                        task: String, trainingKeys: Set<String>, distillation: String) throws {
        let json = try RunConfiguration.json(configuration)
        XCTAssertEqual(try object(json)["task"] as? String, task)
        let training = try XCTUnwrap(try object(json)["training"] as? [String: Any])
        XCTAssertEqual(Set(training.keys), trainingKeys)
        XCTAssertEqual(training["distillation"] as? String, distillation)
        XCTAssertEqual(try RunConfiguration(json: Data(json.utf8)), tagged)
    }

    /// The method's settings and the task's own are written into one `training` object
    /// with the keys configurations had before they were split, and read back equal.
    func testTrainingSettingsStayOneFlatObject() throws {
        var brats = BraTSRunConfiguration()
        brats.training.metaEvery = 2
        brats.training.metaBatches = 3
        brats.training.perSampleSubsets = true
        brats.training.distillation = nil
        try assertWritten(brats, reads: .brats(brats), task: "brats", trainingKeys: [
            "steps", "seed", "learningRate", "momentum", "perSampleSubsets", "distillation", "distillationWeight",
            "warmupSteps", "meta", "metaEvery", "metaBatches", "lookAheadRadius", "detachTeacher"], distillation: "none")
        var avmnist = AVMNISTRunConfiguration()
        avmnist.training.distillation = .meanSquared
        try assertWritten(avmnist, reads: .avmnist(avmnist), task: "avmnist", trainingKeys: [
            "steps", "seed", "stepsPerEpoch", "learningRate", "weightDecay", "decayEveryEpochs", "decayFactor",
            "distillation", "distillationWeight", "warmupSteps", "meta", "lookAheadRadius", "detachTeacher"], distillation: "mse")
    }

    /// A configuration without `task` (BraTS runs before the key) reads as BraTS; one of
    /// the other task is a clear error where one task's configuration is needed; an
    /// unknown KD loss is refused naming the choices.
    func testTaskTagAndClearErrors() throws {
        var object = try self.object(try RunConfiguration.json(BraTSRunConfiguration()))
        object["task"] = nil
        let untagged = try JSONSerialization.data(withJSONObject: object)
        XCTAssertEqual(try RunConfiguration(json: untagged), .brats(BraTSRunConfiguration()))

        let avmnist = Data(try RunConfiguration.json(AVMNISTRunConfiguration()).utf8)
        XCTAssertThrowsError(try RunConfiguration.decode(BraTSRunConfiguration.self, from: avmnist)) { error in
            XCTAssertTrue("\(error)".contains("task avmnist, not brats"), "\(error)")
        }
        var training = try XCTUnwrap(object["training"] as? [String: Any])
        training["distillation"] = "cosine"
        object["training"] = training
        XCTAssertThrowsError(try RunConfiguration(json: try JSONSerialization.data(withJSONObject: object))) { error in
            XCTAssertTrue("\(error)".contains("choose none, l1, mse"), "\(error)")
        }
    }
}
