import Crypto
import Foundation
import NexusAPI
import NexusCore
import NexusInference

/// The models the server can serve: the store in `$NEXUS_HOME/models`, described for the APIs,
/// and the gateway's purposes as `gateway:PURPOSE` (listed when a `gateway.json` sets routes).
struct ModelCatalog: Sendable {
    let store: ModelStore
    let home: URL

    init(home: URL) {
        self.home = home
        store = ModelStore(home: home)
    }

    /// The stored model a request's name means: any spelling of its canonical ``ModelName``
    /// (`Qwen:Latest` is `qwen`). One read of the store serves the lookup and everything the request
    /// needs later (its system prompt and default options). A name that is not a valid model name
    /// (`script:…`, a path) is simply not found: it never reaches a loader.
    /// - Throws: `NexusError(.modelNotFound)` with Ollama's wording, which clients match on.
    func entry(_ name: String) throws -> ModelEntry {
        if name.lowercased().hasPrefix(GatewayPurpose.modelPrefix) {
            do {
                return ModelEntry(name: try GatewayPurpose(modelName: name).modelName, path: "", size: 0, source: ModelEntry.gatewaySource)
            } catch let error as NexusError {
                throw NexusError(.modelNotFound, "model '\(name.prefix(200))' not found: \(error.message)")
            }
        }
        if let entry = try? store.entry(named: name) { return entry }
        throw NexusError(.modelNotFound, "model '\(name.prefix(200))' not found; list models with GET /api/tags or pull one with /api/pull")
    }

    /// The stored name a request's model name means.
    func resolve(_ name: String) throws -> String {
        try entry(name).name
    }

    func list() throws -> [ModelDescription] {
        let routed = GatewayConfiguration.exists(home: home)
            ? GatewayPurpose.allCases.compactMap { try? describe($0.modelName) } : []
        return try store.list().compactMap { try? describe($0) } + routed
    }

    func describe(_ name: String) throws -> ModelDescription {
        try describe(entry(name))
    }

    func describe(_ entry: ModelEntry) throws -> ModelDescription {
        if entry.isGateway {
            let file = GatewayConfiguration.url(home: home).path
            let modified = ((try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate]) as? Date) ?? Date()
            return ModelDescription(name: entry.name, size: 0, digest: Self.stableDigest(entry), modifiedAt: modified, architecture: "gateway",
                                    parameterSize: "", quantization: "", contextLength: nil, supportsTools: true)
        }
        let header = try GGUFFile(contentsOf: URL(fileURLWithPath: entry.path))
        let modified = entry.modifiedAt
            ?? ((try? FileManager.default.attributesOfItem(atPath: entry.path)[.modificationDate]) as? Date) ?? Date()
        return ModelDescription(
            name: entry.name, size: entry.size, digest: entry.sha256 ?? Self.stableDigest(entry),
            modifiedAt: modified, architecture: header.architecture, parameterSize: header.parameterSize,
            quantization: header.quantization, contextLength: header.contextLength,
            // Every model can call tools here: templates without tool support get Nexus's own format.
            supportsTools: true, system: entry.system, parameters: entry.parameters?.objectValue ?? [:])
    }

    /// The default options a created model carries, under `overrides` (the request's own); nil
    /// when the model carries none, so the request is used as it is.
    static func options(of entry: ModelEntry, overriddenBy overrides: JSONObject?) -> JSONObject? {
        guard let defaults = entry.parameters?.objectValue, !defaults.isEmpty else { return nil }
        var merged = defaults
        for (key, value) in overrides ?? [:] { merged[key] = value }
        return merged
    }

    /// A digest for files added by path, whose hash was never computed: stable for the same entry.
    private static func stableDigest(_ entry: ModelEntry) -> String {
        SHA256.hash(data: Data("\(entry.path)\n\(entry.size)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension ModelEntry {
    static let gatewaySource = "gateway"

    /// A `gateway:PURPOSE` name: served by the gateway's routes, never loaded itself.
    var isGateway: Bool { source == Self.gatewaySource }
}
