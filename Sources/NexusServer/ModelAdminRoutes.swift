import Foundation
import Hummingbird
import NexusAPI
import NexusCore
import NexusInference

/// Managing the store over Ollama's API: `/api/pull` (a GGUF from an HTTP URL, with progress and a
/// sha256 check), `/api/create` (a model from a GGUF path or another model, with a system prompt and
/// default options), `/api/copy` and `DELETE /api/delete`.
struct ModelAdminRoutes: Sendable {
    let service: InferenceService
    let configuration: ServerConfiguration

    private var store: ModelStore { service.catalog.store }

    func register(on router: Router<NexusRequestContext>) {
        router.post("/api/pull") { request, _ in try await pull(request) }
        router.post("/api/create") { request, _ in try await create(request) }
        router.post("/api/copy") { request, _ in
            let fields = try await request.fields(limit: configuration.maxBodyBytes)
            let source = try service.catalog.entry(try fields.requiredString("source"))
            var copy = source
            copy.name = try fields.requiredString("destination")
            copy.modifiedAt = Date()
            try store.register(copy)
            return Response(status: .ok)
        }
        router.delete("/api/delete") { request, _ in
            let fields = try await request.fields(limit: configuration.maxBodyBytes)
            let name = try service.catalog.resolve(try fields.string("model") ?? fields.requiredString("name"))
            await service.pool.unload(name)
            try store.remove(name: name)
            return Response(status: .ok)
        }
    }

    /// `{"model": NAME, "url": URL, "sha256": HEX}`, or `{"model": URL}` (the name is the file's).
    /// Registries are not reachable from here; a name already in the store pulls nothing.
    private func pull(_ request: Request) async throws -> Response {
        let fields = try await request.fields(limit: configuration.maxBodyBytes)
        let model = try fields.string("model") ?? fields.requiredString("name")
        let urlText = try fields.string("url") ?? (model.contains("://") ? model : nil)
        let expected = try fields.string("sha256") ?? fields.string("digest").map { $0.replacingOccurrences(of: "sha256:", with: "") }
        if let expected, expected.count != 64 || !expected.allSatisfy(\.isHexDigit) {
            throw NexusError(.invalidArgument, "'sha256' must be 64 hex digits")
        }
        let stream = try fields.bool("stream") ?? true
        guard let urlText else {
            _ = try service.catalog.resolve(model)  // 404 when it is not here
            return stream ? Response.ndjson { send in try await send(OllamaResponses.status("success")) }
                          : Response.json(OllamaResponses.status("success"))
        }
        guard let url = URL(string: urlText), url.scheme != nil else {
            throw NexusError(.invalidArgument, "'url' \(urlText) is not a URL")
        }
        let name = model.contains("://") ? url.deletingPathExtension().lastPathComponent.lowercased() : model
        let downloader = ModelDownloader(store: store)
        let digest = expected.map { "sha256:" + $0 }
        guard stream else {
            _ = try await downloader.download(url, as: name, sha256: expected) { _, _ in }
            return Response.json(OllamaResponses.status("success"))
        }
        return Response.ndjson { send in
            do {
                try await send(OllamaResponses.status("pulling manifest"))
                _ = try await downloader.download(url, as: name, sha256: expected) { completed, total in
                    try? await send(OllamaResponses.status("pulling \(name)", digest: digest, total: total, completed: completed))
                }
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
    private func create(_ request: Request) async throws -> Response {
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
        for unsupported in ["template", "adapters", "quantize", "files", "license"] {
            if let value = fields[unsupported], value != .string(""), value != .object([:]), value != .array([]) {
                throw NexusError(.invalidArgument, "'\(unsupported)' is not supported by /api/create; use 'from', 'system' and 'parameters'")
            }
        }
        guard let from else {
            throw NexusError(.invalidArgument, "'from' is required: a model name or the absolute path of a GGUF file")
        }
        // The options must be ones a request could send, so that using the model never fails on them.
        _ = try SamplingFields.sampling(in: RequestFields(parameters, path: "parameters"))
        let base: ModelEntry
        if from.hasPrefix("/") {
            _ = try GGUFFile(contentsOf: URL(fileURLWithPath: from))
            let size = ((try? FileManager.default.attributesOfItem(atPath: from)[.size]) as? NSNumber)?.int64Value ?? 0
            base = ModelEntry(name: name, path: from, size: size, source: "file")
        } else {
            base = try service.catalog.entry(from)
        }
        var entry = base
        entry.name = name
        entry.system = system ?? base.system
        entry.parameters = parameters.isEmpty ? base.parameters : .object(parameters)
        entry.modifiedAt = Date()
        try store.register(entry)
        let stream = try fields.bool("stream") ?? true
        guard stream else { return Response.json(OllamaResponses.status("success")) }
        return Response.ndjson { send in
            try await send(OllamaResponses.status("using existing layer"))
            try await send(OllamaResponses.status("writing manifest"))
            try await send(OllamaResponses.status("success"))
        }
    }
}
