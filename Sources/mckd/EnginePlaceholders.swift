import ArgumentParser

// Placeholders for commands that live on the engine branch; dropped at merge.
struct DevicesCommand: ParsableCommand {}
struct SelfCheckCommand: ParsableCommand {}
