// swift-tools-version: 6.1
import Foundation
import PackageDescription

// llama.cpp is built by `make setup` into ~/.cache/nexus and linked at .deps/llama. The binary
// records the resolved cache path as its rpath, so `nexus` runs without LD_LIBRARY_PATH.
let llamaLink = Context.packageDirectory + "/.deps/llama"
let llamaLib = URL(fileURLWithPath: llamaLink + "/lib").resolvingSymlinksInPath().path
let llamaLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L\(llamaLib)", "-Xlinker", "-rpath", "-Xlinker", llamaLib]),
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
    ],
    targets: [
        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        .target(
            name: "NexusCore",
            swiftSettings: strictSettings
        ),
        .target(
            name: "NexusInference",
            dependencies: [
                "CLlama",
                "NexusCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings,
            linkerSettings: llamaLinkerSettings
        ),
        .target(
            name: "NexusRuntime",
            dependencies: [
                "NexusCore",
                "NexusInference",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "nexus",
            dependencies: [
                "NexusCore",
                "NexusRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            name: "NexusCLITests",
            dependencies: ["NexusCore", "NexusTesting"],
            swiftSettings: strictSettings
        ),
    ]
)
