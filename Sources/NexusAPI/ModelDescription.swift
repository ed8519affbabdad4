public import Foundation
public import NexusCore

/// What the APIs tell about one model: the store's entry and the GGUF header, gathered by the server.
public struct ModelDescription: Sendable, Hashable {
    public var name: String
    public var size: Int64
    /// Hex SHA-256 of the file when known, else a digest of its name and size (Ollama clients expect one).
    public var digest: String
    public var modifiedAt: Date
    public var architecture: String
    public var parameterSize: String
    public var quantization: String
    public var contextLength: Int?
    public var supportsTools: Bool
    public var supportsEmbeddings: Bool
    /// The system prompt and default options a model created with `/api/create` carries.
    public var system: String?
    public var parameters: JSONObject
    /// The model's Jinja chat template, when it has one.
    public var template: String?

    public init(name: String, size: Int64, digest: String, modifiedAt: Date, architecture: String, parameterSize: String,
                quantization: String, contextLength: Int?, supportsTools: Bool, supportsEmbeddings: Bool = true,
                system: String? = nil, parameters: JSONObject = [:], template: String? = nil) {
        self.name = name
        self.size = size
        self.digest = digest
        self.modifiedAt = modifiedAt
        self.architecture = architecture
        self.parameterSize = parameterSize
        self.quantization = quantization
        self.contextLength = contextLength
        self.supportsTools = supportsTools
        self.supportsEmbeddings = supportsEmbeddings
        self.system = system
        self.parameters = parameters
        self.template = template
    }
}

/// A model held in memory, for `/api/ps`.
public struct LoadedModelDescription: Sendable, Hashable {
    public var model: ModelDescription
    /// nil: kept loaded until the server stops.
    public var expiresAt: Date?
    public var contextLength: Int

    public init(model: ModelDescription, expiresAt: Date?, contextLength: Int) {
        self.model = model
        self.expiresAt = expiresAt
        self.contextLength = contextLength
    }
}
