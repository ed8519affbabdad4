public import Foundation
import NexusInference

/// Where tests find the real models and llama.cpp files that `make setup` installed.
public enum TestModels {
    /// `$NEXUS_HOME` or `~/.nexus`, where setup put the models.
    public static var home: URL {
        ProcessInfo.processInfo.environment["NEXUS_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".nexus")
    }

    /// The GGUF path of a catalog model; fails the caller with a clear message when missing.
    public static func path(_ name: String) throws -> String {
        try ModelStore(home: home).entry(named: name).path
    }

    /// SmolLM2-135M-Instruct: the fast model for tests.
    public static func smollm2() throws -> String { try path("smollm2") }

    /// The llama.cpp source tree setup built from (its `models/templates` hold reference templates).
    public static var llamaSource: URL {
        let link = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".deps/llama")
        return link.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("src")
    }

    /// The text of one of llama.cpp's reference chat templates, e.g. "meta-llama-Llama-3.1-8B-Instruct".
    public static func referenceTemplate(_ name: String) throws -> String {
        try String(contentsOf: llamaSource.appendingPathComponent("models/templates/\(name).jinja"), encoding: .utf8)
    }
}

/// A directory under the system temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
