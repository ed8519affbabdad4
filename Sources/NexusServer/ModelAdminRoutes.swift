import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusInference
import NexusStore

/// Managing the store over Ollama's API: `/api/pull` (a GGUF from an HTTP URL, with progress and a
/// sha256 check), `/api/create` (a model from another model, an uploaded blob or a GGUF file in the
/// import folder, with a system prompt and default options), `/api/copy` and `DELETE /api/delete`.
///
/// None of them replaces an existing model unless the body says `"replace": true` (409 otherwise);
/// the route itself needs a caller allowed to manage models.
struct ModelAdminRoutes: Sendable {
    let service: InferenceService
    let configuration: ServerConfiguration
    /// Where each change to the model store is recorded (`model.pulled`, `model.created`,
    /// `model.copied`, `model.deleted`).
    let audit: AuditLog?

    private var store: ModelStore { service.catalog.store }

    func register(on router: Router<NexusRequestContext>) {
        router.post("/api/pull") { request, context in try await pull(request, context) }
        router.post("/api/create") { request, context in try await create(request, context) }
        router.post("/api/copy") { request, context in
            let fields = try await request.fields(limit: configuration.maxBodyBytes)
            let source = try service.catalog.entry(try fields.requiredString("source"))
            var copy = source
            copy.name = try fields.requiredString("destination")
            copy.modifiedAt = Date()
            try await register(copy, replacing: try fields.bool("replace") ?? false)
            try await audit?.recordChange("model.copied", of: request, context, resource: "model:\(copy.name)", details: ["source": .string(source.name)])
            return Response(status: .ok)
        }
        router.delete("/api/delete") { request, context in
            let fields = try await request.fields(limit: configuration.maxBodyBytes)
            let name = try service.catalog.resolve(try fields.string("model") ?? fields.requiredString("name"))
            await service.pool.unload(name)
            try store.remove(name: name)
            try await audit?.recordChange("model.deleted", of: request, context, resource: "model:\(name)")
            return Response(status: .ok)
        }
    }

    /// Stores `entry`; a replaced model is unloaded so that its next use loads what was stored.
    private func register(_ entry: ModelEntry, replacing: Bool) async throws {
        let stored = try store.register(entry, replacing: replacing)
        if replacing { await service.pool.unload(stored.name) }
    }

    /// `{"model": NAME, "url": URL, "sha256": HEX}`, or `{"model": URL}` (the name is the file's).
    /// Registries are not reachable from here; a name already in the store pulls nothing.
    private func pull(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let model = try fields.string("model") ?? fields.requiredString("name")
        let urlText = try fields.string("url") ?? (model.contains("://") ? model : nil)
        let expected = try fields.string("sha256") ?? fields.string("digest").map { $0.replacingOccurrences(of: "sha256:", with: "") }
        if let expected, expected.count != 64 || !expected.allSatisfy(\.isHexDigit) {
            throw NexusError(.invalidArgument, "'sha256' must be 64 hex digits")
        }
        let stream = try fields.bool("stream") ?? true
        let replacing = try fields.bool("replace") ?? false
        guard let urlText else {
            _ = try service.catalog.resolve(model)  // 404 when it is not here
            return stream ? Response.ndjson { send in try await send(OllamaResponses.status("success")) }
                          : Response.json(OllamaResponses.status("success"))
        }
        guard let url = URL(string: urlText), url.scheme != nil else {
            throw NexusError(.invalidArgument, "'url' \(urlText) is not a URL")
        }
        let name = model.contains("://") ? ModelStore.defaultName(for: url) : model
        _ = try ModelName(validating: name)  // refused before the first byte is fetched
        let downloader = ModelDownloader(store: store)
        let digest = expected.map { "sha256:" + $0 }
        let pool = service.pool
        let audited: @Sendable (ModelEntry) async throws -> Void = { [audit] stored in
            try await audit?.recordChange("model.pulled", of: request, context, resource: "model:\(stored.name)",
                                          details: ["url": .string(String(urlText.prefix(500))), "sha256": stored.sha256.map(JSONValue.string) ?? .null])
        }
        guard stream else {
            let stored = try await downloader.download(url, as: name, sha256: expected, replacing: replacing) { _, _ in }
            if replacing { await pool.unload(stored.name) }
            try await audited(stored)
            return Response.json(OllamaResponses.status("success"))
        }
        return Response.ndjson { send in
            do {
                try await send(OllamaResponses.status("pulling manifest"))
                let stored = try await downloader.download(url, as: name, sha256: expected, replacing: replacing) { completed, total in
                    try? await send(OllamaResponses.status("pulling \(name)", digest: digest, total: total, completed: completed))
                }
                if replacing { await pool.unload(stored.name) }
                try await audited(stored)
                try await send(OllamaResponses.status("verifying sha256 digest"))
                try await send(OllamaResponses.status("writing manifest"))
                try await send(OllamaResponses.status("success"))
            } catch let error as NexusError {
                try await send(OllamaResponses.error(error.message))
            }
        }
    }

    /// `{"model": NEW, "from": NAME_OR_GGUF_PATH, "system": …, "parameters": {…}}`, or the older
    /// `{"model": NEW, "modelfile": "FROM …\nSYSTEM …\nPARAMETER key value"}`.
    private func create(_ request: Request, _ context: NexusRequestContext) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let name = try fields.string("model") ?? fields.requiredString("name")
        var from = try fields.string("from")
        var system = try fields.string("system")
        var parameters = try fields.fields("parameters")?.object ?? [:]
        if let modelfile = try fields.string("modelfile") {
            let parsed = try Modelfile(parsing: modelfile)
            from = from ?? parsed.from
            system = system ?? parsed.system
            for (key, value) in parsed.parameters where parameters[key] == nil { parameters[key] = value }
        }
        if let files = try fields.fields("files")?.object, !files.isEmpty {
            // Ollama's newer form: {"files": {"model.gguf": "sha256:HEX"}}, one GGUF uploaded as a blob.
            guard files.count == 1, let digest = files.values.first?.stringValue, ModelWeightsSource.blobDigest(digest) != nil else {
                throw NexusError(.invalidArgument, "'files' must map one .gguf file name to the sha256:HEX of a blob uploaded with POST /api/blobs")
            }
            from = from ?? digest
        }
        for unsupported in ["template", "adapters", "quantize", "license"] {
            if let value = fields[unsupported], value != .string(""), value != .object([:]), value != .array([]) {
                throw NexusError(.invalidArgument, "'\(unsupported)' is not supported by /api/create; use 'from', 'system' and 'parameters'")
            }
        }
        guard let from else {
            throw NexusError(.invalidArgument, "'from' is required: a model name, an uploaded blob (sha256:HEX) or a .gguf file in the import folder")
        }
        _ = try ModelName(validating: name)  // a bad name is refused before any source is looked at
        // The options must be ones a request could send, so that using the model never fails on them.
        _ = try SamplingFields.sampling(in: RequestFields(parameters, path: "parameters"))
        let base: ModelEntry
        let source = ModelWeightsSource(store: store, importFolder: configuration.modelImportDirectory)
        if let weights = try source.weights(for: from) {
            try ModelDownloader.requireGGUF(URL(fileURLWithPath: weights.path), from: "'\(from.prefix(300))'")
            let size = ((try? FileManager.default.attributesOfItem(atPath: weights.path)[.size]) as? NSNumber)?.int64Value ?? 0
            base = ModelEntry(name: name, path: weights.path, size: size, sha256: weights.sha256, source: weights.sha256 == nil ? "file" : "blob")
        } else {
            base = try service.catalog.entry(from)
        }
        var entry = base
        entry.name = name
        entry.system = system ?? base.system
        entry.parameters = parameters.isEmpty ? base.parameters : .object(parameters)
        entry.modifiedAt = Date()
        try await register(entry, replacing: try fields.bool("replace") ?? false)
        try await audit?.recordChange("model.created", of: request, context, resource: "model:\(name)", details: ["from": .string(String(from.prefix(300)))])
        let stream = try fields.bool("stream") ?? true
        guard stream else { return Response.json(OllamaResponses.status("success")) }
        return Response.ndjson { send in
            try await send(OllamaResponses.status("using existing layer"))
            try await send(OllamaResponses.status("writing manifest"))
            try await send(OllamaResponses.status("success"))
        }
    }
}
