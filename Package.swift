// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Warden",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warden", targets: ["warden"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Shared vocabulary: OpenAI wire types, moderation categories, errors, ids, clock.
        .target(
            name: "WardenCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The content classifier: normalization, features, model, training. Pure, no I/O beyond model files.
        .target(
            name: "Classifier",
            dependencies: ["WardenCore", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // System zlib, for reading and writing gzip streams (datasets, corpora).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The precise tier's sentence encoder: all-MiniLM-L6-v2 in Swift (safetensors reader,
        // WordPiece tokenizer, BERT forward pass, mean pooling). Foundation only, no I/O beyond model files.
        .target(name: "SentenceEncoder", dependencies: ["CEncoderKernels", "Classifier"]),
        // The encoder's numeric kernels (packed GEMM with AVX2/FMA behind a runtime CPU check, GELU,
        // softmax, LayerNorm) in C: Swift on Linux x86-64 targets baseline SSE2 and cannot emit FMA.
        // Always optimized, so debug test runs of the forward pass take seconds, not minutes.
        .target(name: "CEncoderKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // Rate limits, token budgets, tiers: pure arithmetic over a clock passed in.
        .target(name: "Limits"),
        // The layered content policy: model, YAML loading, resolution, validation, decisions,
        // streaming cadence, versions and the published page. Pure, no I/O beyond reading a file.
        .target(
            name: "Policy",
            dependencies: [
                "WardenCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The training-data filter: corpus readers, streaming pipeline, dedup, checkpoints, report, bias audit.
        .target(
            name: "Filter",
            dependencies: [
                "WardenCore", "Classifier", "CZlib",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Persistence behind protocols; SQLite through GRDB.
        .target(
            name: "Store",
            dependencies: [
                "WardenCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP gateway: configuration, request chain, upstream client, streaming, admin API.
        .target(
            name: "Gateway",
            dependencies: [
                "WardenCore", "Store", "Classifier", "Limits", "Policy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Pre-deployment evaluation and red teaming: suites, runner, cache, metrics, gate, reports.
        .target(
            name: "Eval",
            dependencies: [
                "WardenCore", "Classifier",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The command-line tool: thin commands calling the modules.
        .executableTarget(
            name: "warden",
            dependencies: [
                "WardenCore", "Store", "Gateway", "Classifier", "Limits", "Policy", "Eval", "Filter", "SentenceEncoder",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Micro-benchmarks of the pure modules (`make bench`); prints figures and ratios within one run.
        .executableTarget(
            name: "warden-bench",
            dependencies: [
                "WardenCore", "Classifier", "Limits", "Policy", "Filter", "SentenceEncoder",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/WardenBench"
        ),
        .testTarget(name: "WardenCoreTests", dependencies: ["WardenCore"]),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier"]),
        .testTarget(
            name: "SentenceEncoderTests",
            dependencies: ["SentenceEncoder", "CEncoderKernels"],
            exclude: ["Fixtures"]   // read through #filePath
        ),
        .testTarget(name: "FilterTests", dependencies: ["Filter", "Classifier", "WardenCore"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "LimitsTests", dependencies: ["Limits"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "WardenCore"]),
        .testTarget(name: "EvalTests", dependencies: ["Eval", "Classifier", "WardenCore"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Store", "WardenCore", "Limits", "Policy", "Classifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
