public import NexusCore
import NexusModules
import NexusStore
import NexusTools

extension NexusError.Code {
    /// Every slot is busy and the wait queue is full (HTTP 503 with Retry-After).
    public static let overloaded = NexusError.Code("overloaded")
    /// The body is larger than the server accepts (HTTP 413).
    public static let payloadTooLarge = NexusError.Code("payload_too_large")
    /// A key is needed and none valid was sent (HTTP 401).
    public static let unauthorized = NexusError.Code("unauthorized")
}

/// Which wire format a route answers in, errors included.
enum APIDialect: Sendable {
    case ollama
    case openAI

    /// `/v1/…` speaks OpenAI's shapes; everything else Ollama's `{"error": "…"}`.
    init(path: String) {
        self = path.hasPrefix("/v1/") || path == "/v1" ? .openAI : .ollama
    }
}

extension NexusError {
    /// The HTTP status this error maps to: the client's fault is 4xx, ours 5xx.
    var httpStatus: Int {
        switch code {
        case .invalidJSON, .invalidArgument, .invalidSchema, .unsupportedSchema, .schemaViolation, .emptyPrompt,
             .invalidToolCall, .contextOverflow, .invalidPolicy, .invalidModule:
            400
        case .unauthorized: 401
        case .forbidden: 403
        case .modelNotFound, .notFound: 404
        case .modelExists, .conflict, .lifecycleRefused: 409
        case .payloadTooLarge: 413
        case .budgetExceeded: 429
        case .cancelled: 499
        case .overloaded, .backendUnavailable: 503
        default: 500
        }
    }

    /// OpenAI's `error.type` for this status.
    var openAIType: String {
        switch httpStatus {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }
}
