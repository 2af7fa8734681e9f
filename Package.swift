// swift-tools-version:6.0
import PackageDescription

/// Numeric code: whole-module optimisation without overflow traps in release builds. Debug builds optimise too
/// (keeping overflow checks): unoptimised SIMD code is ~100x slower, which would make the parity tests on real
/// models take many minutes. On x86-64 the SIMD kernels are compiled for AVX2 + FMA (Haswell, 2013, and later):
/// 8-wide vectors in one instruction instead of two SSE halves; erf and softmax run ~2x faster.
#if arch(x86_64)
let cpu = ["-target-cpu", "haswell"]
let cKernelFlags = ["-mavx2", "-mfma", "-mf16c"]
#else
let cpu: [String] = []
let cKernelFlags: [String] = []
#endif
let numeric: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"] + cpu, .when(configuration: .release)),
    .unsafeFlags(["-O"] + cpu, .when(configuration: .debug)),
]

let package = Package(
    name: "Exemplar",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "exemplar", targets: ["ExemplarCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "CAllocator"),
        // The spinning worker threads behind Parallel (a decode step hands work to the cores a few hundred times).
        .target(name: "CWorkerPool", cSettings: [.unsafeFlags(["-O2"])]),
        // AVX2 + FMA kernels over quantised weights (C: the accumulators must stay in registers); scalar elsewhere.
        .target(name: "CDecodeKernels", cSettings: [.unsafeFlags(["-O3"] + cKernelFlags)]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CAllocator", "CWorkerPool"], swiftSettings: numeric),
        .target(name: "NN", dependencies: ["Tensor", "CBLAS", "CDecodeKernels", "ModelFormats"], swiftSettings: numeric),
        // The strict JSON parser and serde_json-exact writer behind safetensors headers, tokenizer files and chat templates.
        .target(name: "JSONCore", swiftSettings: numeric),
        .target(name: "ModelFormats", dependencies: ["JSONCore"], swiftSettings: numeric),
        .target(name: "Tokenizers", dependencies: ["JSONCore"], swiftSettings: numeric),
        // The run directory every trainer writes (logs, chart, checkpoints, resume).
        .target(name: "Training", dependencies: ["Tensor", "NN", "ModelFormats"], swiftSettings: numeric),
        .target(name: "Encoder", dependencies: ["Tensor", "NN", "ModelFormats", "Tokenizers", "Training"], swiftSettings: numeric),
        // Debian's libfaiss-dev: a static libfaiss.a (C++ API only) that needs OpenMP (libgomp) and BLAS/LAPACK
        // (sgemm_, sgesvd_…, all in libopenblas).
        .target(
            name: "CFaiss",
            exclude: ["libgomp"],
            cxxSettings: [.headerSearchPath("libgomp")],
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("openblas")]),
        .target(
            name: "Retrieval",
            dependencies: ["Tensor", "ModelFormats", "CFaiss", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: numeric),
        // Text queries against an index: the sentence encoder as Retrieval's TextEmbedder, and an index opened with
        // the encoder that embeds its queries (the one place Encoder and Retrieval meet).
        .target(name: "SemanticSearch", dependencies: ["Encoder", "Retrieval", "Tensor"], swiftSettings: numeric),
        .target(name: "Decoder", dependencies: ["Tensor", "NN", "ModelFormats", "Tokenizers", "Training"], swiftSettings: numeric),
        .target(name: "MathTasks", dependencies: ["ModelFormats", "Retrieval", "SemanticSearch", "Decoder", "Tokenizers", "Tensor"]),
        .target(
            name: "Service",
            dependencies: ["SemanticSearch", "Retrieval", "Encoder", "Decoder", "MathTasks", "Tokenizers", "Tensor", "JSONCore",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Prometheus", package: "swift-prometheus")]),
        .executableTarget(
            name: "ExemplarCLI",
            dependencies: [
                "Tensor", "NN", "ModelFormats", "Tokenizers", "Encoder", "Retrieval", "SemanticSearch", "Decoder", "MathTasks",
                "Training", "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: numeric),
        // Shared test helpers (finite-difference checks, fixture paths); not part of any product.
        .target(name: "TestSupport", dependencies: ["Tensor", "ModelFormats"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "NN", "Tensor", "ModelFormats"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "TestSupport", "ModelFormats"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats", "TestSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "ModelFormats"]),
        .testTarget(name: "EncoderTests", dependencies: ["Encoder", "Tensor", "NN", "ModelFormats", "Tokenizers", "TestSupport", "Training"]),
        .testTarget(name: "MathTasksTests", dependencies: ["MathTasks", "Retrieval", "Encoder", "Decoder", "Tensor", "TestSupport", "Tokenizers",
                                                           "NN", "ModelFormats", "Training"]),
        .testTarget(name: "DecoderTests", dependencies: ["Decoder", "NN", "Tensor", "TestSupport", "ModelFormats", "Tokenizers", "Training"]),
        .testTarget(name: "RetrievalTests", dependencies: ["Retrieval", "Encoder", "Tensor", "ModelFormats", "TestSupport",
                                                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SemanticSearchTests", dependencies: ["SemanticSearch", "Encoder", "Retrieval", "Tensor", "TestSupport"]),
        // Starts the built `exemplar serve` on a loopback port and talks HTTP to it.
        .testTarget(name: "ServiceTests", dependencies: ["Encoder", "Decoder", "MathTasks", "Tokenizers", "Retrieval", "SemanticSearch", "Service", "ModelFormats", "TestSupport",
                                                    "ExemplarCLI"]),
        // Runs the built `exemplar` binary (SwiftPM builds it with the tests).
        .testTarget(name: "ExemplarCLITests", dependencies: ["ModelFormats", "Retrieval", "Tensor", "TestSupport", "ExemplarCLI",
                                                             "Decoder", "Tokenizers", "MathTasks"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
