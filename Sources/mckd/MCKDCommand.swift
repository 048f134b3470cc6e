import ArgumentParser

@main
struct MCKDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mckd",
        abstract: "Meta-learned cross-modal knowledge distillation on OpenCL devices.",
        subcommands: [
            TrainCommand.self,
            EvalCommand.self,
            PredictCommand.self,
            ReportCommand.self,
            DevicesCommand.self,
            SelfCheckCommand.self,
            InspectCommand.self,
            SynthCommand.self,
            AVMNISTBuildCommand.self,
            AVMNISTInfoCommand.self,
            TuneCommand.self,
        ]
    )
}
