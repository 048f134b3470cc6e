// swift-tools-version:6.0
import PackageDescription

// Language mode 5: the engine shares device handles and buffers across
// threads in ways Swift 6's strict checking cannot see are safe (the OpenCL
// queue serialises them), and annotating every type would add noise, not safety.
let package = Package(
    name: "mckd",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "MCKDEngine", targets: ["MCKDEngine"]),
        .library(name: "MCKDData", targets: ["MCKDData"]),
        .library(name: "MCKDTraining", targets: ["MCKDTraining"]),
        .library(name: "MCKDReport", targets: ["MCKDReport"]),
        .executable(name: "mckd", targets: ["mckd"]),
        .executable(name: "bench", targets: ["bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // System libraries (Debian: ocl-icd-opencl-dev opencl-headers libclblast-dev zlib1g-dev).
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL"),
        .systemLibrary(name: "CCLBlast", path: "Sources/CCLBlast"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Kernels/*.cl are compiled into the binary as string constants, so an
        // installed `mckd` works from any directory.
        .executableTarget(name: "KernelEmbedder", path: "Sources/KernelEmbedder"),
        .plugin(
            name: "EmbedKernelsPlugin",
            capability: .buildTool(),
            dependencies: ["KernelEmbedder"],
            path: "Sources/EmbedKernelsPlugin"
        ),

        .target(
            name: "MCKDEngine",
            dependencies: [
                "COpenCL", "CCLBlast",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            path: "Sources/MCKDEngine",
            plugins: ["EmbedKernelsPlugin"]
        ),
        .target(
            name: "MCKDData",
            dependencies: ["CZlib"],
            path: "Sources/MCKDData"
        ),
        .target(
            name: "MCKDTraining",
            dependencies: ["MCKDEngine", "MCKDData", "CZlib"],
            path: "Sources/MCKDTraining"
        ),
        // Self-contained HTML run reports: PNG (system zlib) and SVG written here, no third-party libraries.
        .target(
            name: "MCKDReport",
            dependencies: ["MCKDEngine", "MCKDData", "MCKDTraining", "CZlib"],
            path: "Sources/MCKDReport"
        ),
        .executableTarget(
            name: "mckd",
            dependencies: [
                "MCKDEngine", "MCKDData", "MCKDTraining", "MCKDReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/mckd"
        ),
        .executableTarget(
            name: "bench",
            dependencies: [
                "MCKDEngine",
                "MCKDData",
                "MCKDTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/bench"
        ),
        .testTarget(name: "MCKDEngineTests", dependencies: ["MCKDEngine"], path: "Tests/MCKDEngineTests"),
        .testTarget(name: "MCKDDataTests", dependencies: ["MCKDData", "MCKDEngine"], path: "Tests/MCKDDataTests"),
        .testTarget(name: "MCKDTrainingTests", dependencies: ["MCKDTraining"], path: "Tests/MCKDTrainingTests"),
        .testTarget(name: "MCKDReportTests", dependencies: ["MCKDReport", "MCKDTraining", "MCKDData", "MCKDEngine"],
                    path: "Tests/MCKDReportTests"),
    ],
    swiftLanguageModes: [.v5]
)
