/// The one error type of Nexus: a stable code plus a message a person can act on.
///
/// The message says what failed and what to do next; the CLI prints it as one line and the
/// servers map the code to a status in each API's own shape.
public struct NexusError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error kind.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let raw: String
        public init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        public static let invalidJSON = Code("invalid_json")
        public static let invalidArgument = Code("invalid_argument")
        public static let invalidSchema = Code("invalid_schema")
        public static let unsupportedSchema = Code("unsupported_schema")
        public static let schemaViolation = Code("schema_violation")
        public static let modelNotFound = Code("model_not_found")
        public static let modelLoadFailed = Code("model_load_failed")
        public static let modelExists = Code("model_exists")
        public static let contextOverflow = Code("context_overflow")
        public static let emptyPrompt = Code("empty_prompt")
        public static let templateFailed = Code("template_failed")
        public static let inferenceFailed = Code("inference_failed")
        public static let invalidToolCall = Code("invalid_tool_call")
        public static let scriptExhausted = Code("script_exhausted")
        public static let backendUnavailable = Code("backend_unavailable")
        public static let backendError = Code("backend_error")
        public static let cancelled = Code("cancelled")
        public static let ioError = Code("io_error")
        /// The caller may not do this: its role is too low, or what it asks is wider than it was
        /// given (HTTP 403 in the server).
        public static let forbidden = Code("forbidden")
        /// A key of the installation (the ledger's signing key, the credential key) cannot be
        /// read or written, or a secret it seals does not open.
        public static let keyUnavailable = Code("key_unavailable")
        /// A token budget of a purpose or an org is spent for its window (HTTP 429).
        public static let budgetExceeded = Code("budget_exceeded")
    }

    public var code: Code
    /// What went wrong and what to do about it, in one sentence a user reads.
    public var message: String
    /// The HTTP status a remote backend answered with, when that is what failed: it decides
    /// whether the gateway tries again (429, 5xx) or not (other 4xx).
    public var upstreamStatus: Int?

    public init(_ code: Code, _ message: String, upstreamStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.upstreamStatus = upstreamStatus
    }

    public var description: String { message }
}
