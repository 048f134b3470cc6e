import ArgumentParser

// Placeholders so the data-mri branch builds without the engine; the engine
// branch defines the real commands. Drop this file at merge.
struct DevicesCommand: ParsableCommand {}
struct SelfCheckCommand: ParsableCommand {}
