// swift-tools-version: 6.1
import Foundation
import PackageDescription

// llama.cpp is built by `make setup` into ~/.cache/nexus and linked at .deps/llama. The binary
// records the resolved cache path as its rpath, so `nexus` runs without LD_LIBRARY_PATH.
let llamaLink = Context.packageDirectory + "/.deps/llama"
let llamaLib = URL(fileURLWithPath: llamaLink + "/lib").resolvingSymlinksInPath().path
// `make dist` sets NEXUS_DIST_RPATH to $ORIGIN/lib: the tarball's binary finds llama.cpp beside it.
let llamaRpath = Context.environment["NEXUS_DIST_RPATH"] ?? llamaLib
let llamaLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L\(llamaLib)", "-Xlinker", "-rpath", "-Xlinker", llamaRpath]),
]

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Nexus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nexus", targets: ["nexus"]),
        // Runs one module call in a sandboxed process of its own; `nexus` starts it from its folder.
        .executable(name: "nexus-lua-worker", targets: ["nexus-lua-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        // Lua 5.4 from liblua5.4-dev; the header adds small C functions for Lua's macros and the
        // sandbox's allocator and instruction hook.
        .systemLibrary(name: "CLua", path: "Sources/CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .target(
            name: "NexusCore",
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusAPI",
            dependencies: ["NexusCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusInference",
            dependencies: [
                "CLlama",
                "NexusCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .target(name: "CSandbox"),
        .target(
            name: "NexusStore",
            dependencies: [
                "NexusCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusTools",
            dependencies: [
                "CSandbox",
                "NexusCore",
                "NexusStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        // The Lua sandbox itself (a state with its limits, the prelude, the worker's wire format),
        // linked into the small worker process and, for the wire format and compile checks, the host.
        .target(
            name: "NexusLua",
            dependencies: ["CLua", "NexusCore"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "nexus-lua-worker",
            dependencies: ["NexusLua"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusModules",
            dependencies: [
                "CLua",
                "CSandbox",
                "NexusCore",
                "NexusLua",
                "NexusStore",
                "NexusTools",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusAgent",
            dependencies: [
                "NexusCore",
                "NexusModules",
                "NexusStore",
                "NexusTools",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // MCP both ways: Nexus's tools, modules and agent served to MCP clients, and other MCP
        // servers' tools offered to the agent under its policy.
        .target(
            name: "NexusMCP",
            dependencies: [
                "NexusAgent",
                "NexusCore",
                "NexusModules",
                "NexusStore",
                "NexusTools",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusServer",
            dependencies: [
                "NexusAgent",
                "NexusModules",
                "NexusMCP",
                "NexusAPI",
                "NexusCore",
                "NexusInference",
                "NexusStore",
                "NexusTools",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's page, styles and scripts, compiled into the binary (no files beside it).
            resources: [.embedInCode("Dashboard/Assets")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusRuntime",
            dependencies: [
                "NexusAgent",
                "NexusMCP",
                "NexusServer",
                "NexusCore",
                "NexusInference",
                "NexusModules",
                "NexusStore",
                "NexusTools",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "nexus",
            dependencies: [
                "NexusAgent",
                "NexusMCP",
                .product(name: "MCP", package: "swift-sdk"),
                "NexusCore",
                "NexusInference",
                "NexusModules",
                "NexusRuntime",
                "NexusServer",
                "NexusStore",
                "NexusTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        // bench/platform.sh: what auth, limits and metering cost a request (a scripted model, live HTTP).
        .executableTarget(
            name: "nexus-platform-bench",
            dependencies: [
                "NexusAgent", "NexusCore", "NexusInference", "NexusServer", "NexusStore", "NexusTesting", "NexusTools",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .target(
            name: "NexusTesting",
            dependencies: ["NexusCore", "NexusInference"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusCoreTests",
            dependencies: ["NexusCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusInferenceTests",
            dependencies: ["NexusCore", "NexusInference", "NexusTesting"],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .testTarget(
            name: "NexusStoreTests",
            dependencies: ["NexusCore", "NexusStore", "NexusTools", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusToolsTests",
            dependencies: ["NexusCore", "NexusTools", "NexusTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusMCPTests",
            dependencies: ["NexusCore", "NexusMCP", "NexusTools"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusModulesTests",
            dependencies: ["NexusCore", "NexusModules", "NexusStore", "NexusTools", "NexusTesting", "nexus-lua-worker"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NexusAgentTests",
            dependencies: ["NexusAgent", "NexusCore", "NexusInference", "NexusModules", "NexusStore", "NexusTesting", "NexusTools"],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .testTarget(
            name: "NexusServerTests",
            dependencies: [
                "NexusAPI", "NexusCore", "NexusServer", "NexusTesting", "NexusInference", "NexusStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .testTarget(
            name: "NexusCLITests",
            dependencies: ["NexusCore", "NexusTesting"],
            swiftSettings: strictSettings
        ),
    ]
)

// Fuzzing (docs/fuzzing.md, `make fuzz`): with NEXUS_FUZZ=1 the package is only the parsers of
// untrusted input and one libFuzzer entry point for each. It has no package dependencies, so a fuzz
// build in its own scratch path compiles NexusCore, NexusAPI and two parser files, never NIO, GRDB
// or Hummingbird. The GGUF and TOML readers are compiled on their own from their folders.
if ProcessInfo.processInfo.environment["NEXUS_FUZZ"] != nil {
    let fuzzSettings = strictSettings
    func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency], linkerSettings: [LinkerSetting] = []) -> Target {
        .executableTarget(name: "Fuzz\(name)", dependencies: dependencies, path: "Fuzz/\(name)",
                          swiftSettings: fuzzSettings, linkerSettings: linkerSettings)
    }
    // The folder's other files belong to the full targets; excluded so SwiftPM does not warn about them.
    func otherFiles(than file: String, in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/" + folder)) ?? []
        return names.filter { $0 != file }
    }
    package.dependencies = []
    package.products = []
    package.targets = [
        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        .target(name: "NexusCore", swiftSettings: fuzzSettings),
        .target(name: "NexusAPI", dependencies: ["NexusCore"], swiftSettings: fuzzSettings),
        .target(name: "NexusGGUF", dependencies: ["NexusCore"], path: "Sources/NexusInference/Models",
                exclude: otherFiles(than: "GGUFFile.swift", in: "Sources/NexusInference/Models"),
                sources: ["GGUFFile.swift"], swiftSettings: fuzzSettings),
        .target(name: "NexusPolicyTOML", dependencies: ["NexusCore"], path: "Sources/NexusTools/Policy",
                exclude: otherFiles(than: "TOMLSubset.swift", in: "Sources/NexusTools/Policy"),
                sources: ["TOMLSubset.swift"], swiftSettings: fuzzSettings),
        fuzzTarget("GGUF", ["NexusGGUF", "NexusCore"]),
        fuzzTarget("JSON", ["NexusCore"]),
        fuzzTarget("TOML", ["NexusPolicyTOML", "NexusCore"]),
        fuzzTarget("JSONSchema", ["NexusCore", "CLlama"], linkerSettings: llamaLinkerSettings),
        fuzzTarget("Modelfile", ["NexusAPI", "NexusCore"]),
        fuzzTarget("RequestBody", ["NexusAPI", "NexusCore"]),
    ]
}
