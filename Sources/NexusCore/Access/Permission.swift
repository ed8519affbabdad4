/// One kind of thing a request does, which the server checks before doing it.
///
/// The permission matrix is `minimumRole` (the lowest role that holds the permission; every
/// higher role holds it too) plus `isOpenOnLoopback` (whether a server bound to a loopback
/// address grants it to a request without a key, as Ollama does). `docs/keys.md` shows the
/// same matrix as a table, with the HTTP routes that need each permission (`RouteAccess`).
///
/// | permission     | minimum role | without a key on loopback |
/// |----------------|--------------|---------------------------|
/// | readModels     | viewer       | yes                       |
/// | readRuns       | viewer       | yes                       |
/// | readMetrics    | viewer       | yes                       |
/// | generate       | operator     | yes                       |
/// | executeTools   | operator     | no                        |
/// | manageModels   | admin        | yes                       |
/// | administer     | admin        | no                        |
/// | manageKeys     | owner        | no                        |
public enum Permission: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
    /// List and describe models: `/api/tags`, `/api/show`, `/api/ps`, `/v1/models`.
    case readModels = "read_models"
    /// Read agent runs and follow their events: `GET /v1/agent/runs…`.
    case readRuns = "read_runs"
    /// Read the Prometheus metrics: `/metrics`.
    case readMetrics = "read_metrics"
    /// Generate text or embeddings with a model, including client-side tool calling (the model
    /// proposes calls, the client runs them) and loading or unloading through `keep_alive`.
    case generate
    /// Anything that executes tools on the server: starting or cancelling agent runs, and any
    /// request that makes the server run a tool itself. Never granted without a key.
    case executeTools = "execute_tools"
    /// Change the installed models: pull, create, copy, delete.
    case manageModels = "manage_models"
    /// The server's administration API (`/admin/*`): configuration, modules, credentials.
    case administer
    /// Create, list, revoke and rotate API keys.
    case manageKeys = "manage_keys"

    /// The lowest role that holds this permission; every higher role holds it too.
    public var minimumRole: Role {
        switch self {
        case .readModels, .readRuns, .readMetrics: .viewer
        case .generate, .executeTools: .operator
        case .manageModels, .administer: .admin
        case .manageKeys: .owner
        }
    }

    /// Whether a server bound only to a loopback address grants this permission to a request
    /// without a valid key: reading, generating and managing models, like Ollama on 127.0.0.1.
    /// Executing tools, managing keys and administration always need a key with a high enough role.
    public var isOpenOnLoopback: Bool {
        switch self {
        // Managing models is open on loopback as in Ollama (`ollama pull` needs no key locally);
        // it changes files in the store but runs nothing.
        case .readModels, .readRuns, .readMetrics, .generate, .manageModels: true
        case .executeTools, .administer, .manageKeys: false
        }
    }

    public var description: String { rawValue }
}
