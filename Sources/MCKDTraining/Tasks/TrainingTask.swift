import Foundation
import MCKDEngine

/// Everything that defines one task's training run; stored in the run folder (tagged
/// with `task`) and in checkpoints, so `--resume` continues exactly the same run.
public protocol TaskConfiguration: Codable, Equatable {
    associatedtype Options: TaskTrainingOptions
    associatedtype Model: TrainableModel
    static var task: TaskKind { get }
    var training: TrainingSettings<Options> { get set }
    /// Steps between checkpoints (and one at the end).
    var checkpointEvery: Int { get }
    /// The model the configuration describes, with its seeded initial weights.
    func makeModel(backend: any Backend) throws -> Model
}

/// One task's side of a training run, which `TrainingRun` drives: the data (loaded,
/// batched, uploaded), the model and its trainer, and the final evaluation. The loop,
/// the meta-step schedule, logging, checkpoints and resume are the run's, the same for
/// every task.
public protocol TrainingTask: AnyObject {
    associatedtype Configuration: TaskConfiguration
    associatedtype Trainer: MCKDTrainer where Trainer.Model == Configuration.Model, Trainer.Options == Configuration.Options
    associatedtype Evaluation: RunEvaluation

    /// Throws when `configuration` cannot fit `backend`'s memory; runs before any data is read.
    static func requireFit(_ configuration: Configuration, on backend: any Backend) throws
    /// Loads the data (holding in memory what `dataLoading` allows) and makes the model and
    /// its trainer, saying what it loaded.
    init(configuration: Configuration, backend: any Backend, dataLoading: DataLoading, say: @escaping (String) -> Void) throws
    var trainer: Trainer { get }

    /// Draws the data of step `step` without training on it, so that a resumed run
    /// continues with the data an uninterrupted one would have had.
    func skipData(ofStep step: Int, metaBatches: Int)
    /// Trains the trainer's next step on the next batch, with `metaBatches`
    /// meta-validation batches (0: no meta step is due), and says what to log.
    func trainStep(metaBatches: Int) throws -> StepRecord
    /// The final evaluation on the test data (saying what it evaluates); nil when the run has none.
    func evaluate(say: (String) -> Void) throws -> Evaluation?
}

/// What one training step logs: its loss parts (read back once each, which is also the
/// NaN guard), the modalities it trained with and the task's counters.
public struct StepRecord {
    /// A loss part: its metrics.jsonl key, its name in the progress line and its value.
    public struct Part {
        public let key: String
        public let label: String
        public let value: Tensor
    }

    /// Logged before the losses, in metrics.jsonl and the progress line (AV-MNIST's epoch).
    public var counters: [(name: String, value: Int)] = []
    public var parts: [Part]
    /// The available modalities' names ("FLAIR+T1", or per sample "|"-separated).
    public var available: String

    /// The task's loss parts followed by the method's: the KD loss and the meta step's
    /// loss when they ran.
    init(task: [Part], distillation: Tensor?, metaStep: MetaStepReport?, available: String) {
        parts = task + [distillation.map { Part(key: "kd", label: "kd", value: $0) },
                        metaStep.map { Part(key: "meta", label: "meta", value: $0.loss) }].compactMap { $0 }
        self.available = available
    }
}
