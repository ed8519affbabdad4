public import Foundation
public import NexusCore

/// What generation is for. Each purpose has its own ordered routes and budget, so building a
/// module can go to a heavy remote model while chat stays on the small local one.
public enum GatewayPurpose: String, Sendable, Hashable, CaseIterable {
    case chat, agent, build, repair, generalize, embed, judge

    /// Model names of this form (`gateway:chat`) send a request through the gateway, wherever a
    /// model is named: the CLI's `--model`, the APIs' `model`.
    public static let modelPrefix = "gateway:"

    public var modelName: String { Self.modelPrefix + rawValue }

    /// The purpose `gateway:PURPOSE` names.
    /// - Throws: `NexusError(.invalidArgument)` listing the purposes when it names none.
    public init(modelName: String) throws {
        let name = modelName.lowercased()
        guard name.hasPrefix(Self.modelPrefix), let purpose = GatewayPurpose(rawValue: String(name.dropFirst(Self.modelPrefix.count))) else {
            let known = Self.allCases.map(\.modelName).joined(separator: ", ")
            throw NexusError(.invalidArgument, "'\(modelName.prefix(100))' names no gateway purpose; use one of \(known)")
        }
        self = purpose
    }

    /// The purpose `model` routes by when it is a `gateway:PURPOSE` name; nil for any other name.
    public init?(routing model: String) {
        guard model.lowercased().hasPrefix(Self.modelPrefix), let purpose = try? GatewayPurpose(modelName: model) else { return nil }
        self = purpose
    }
}

/// `$NEXUS_HOME/gateway.json`: purposes mapped to ordered routes over backends, with retries,
/// cool-downs and token budgets. Without the file every purpose has one route, the default model.
///
/// ```json
/// {
///   "tiers": {"standard": "qwen2.5-coder:0.5b", "heavy": "openai:https://api.example.com/v1#big"},
///   "routes": {"build": [{"model": "heavy", "credential": "REMOTE_KEY", "timeout_seconds": 120},
///                        {"model": "standard"}],
///              "default": [{"model": "standard"}]},
///   "retry": {"attempts": 2, "base_delay_ms": 200, "max_delay_ms": 4000},
///   "cooldown": {"failures": 3, "seconds": 30},
///   "budgets": {"window_seconds": 86400, "purposes": {"build": 200000}, "orgs": {"default": 1000000}}
/// }
/// ```
public struct GatewayConfiguration: Sendable, Hashable {
    /// One way to serve a purpose.
    public struct Route: Sendable, Hashable {
        /// A model reference (`openai:URL#MODEL`, a model name, a `.gguf` path, `script:PATH`) or a tier's name.
        public var model: String
        /// The credential (`nexus credentials set NAME`) sent as the bearer token of an `openai:` route.
        public var credential: String?
        /// How long one attempt may take, first byte to last, before it counts as a timeout.
        public var timeoutSeconds: Double

        public init(model: String, credential: String? = nil, timeoutSeconds: Double = 600) {
            self.model = model
            self.credential = credential
            self.timeoutSeconds = timeoutSeconds
        }
    }

    /// Retries of a retryable failure on the same route, spaced by exponential backoff with jitter.
    public struct Retry: Sendable, Hashable {
        /// Tries per route, the first included.
        public var attempts = 2
        public var baseDelaySeconds = 0.2
        public var maxDelaySeconds = 4.0

        public init() {}

        /// The wait before try `attempt + 1`: full jitter over `base·2^(attempt-1)`, capped.
        public func delay(after attempt: Int, random: Double) -> Double {
            let ceiling = min(maxDelaySeconds, baseDelaySeconds * pow(2, Double(max(0, attempt - 1))))
            return ceiling * min(max(random, 0), 1)
        }
    }

    /// A route that fails `failures` calls in a row is skipped for `seconds`.
    public struct Cooldown: Sendable, Hashable {
        public var failures = 3
        public var seconds = 30.0
        public init() {}
    }

    /// Tokens (prompt and completion) a purpose or an org may spend per window.
    public struct Budgets: Sendable, Hashable {
        public var windowSeconds = 86_400.0
        public var purposes: [GatewayPurpose: Int] = [:]
        public var orgs: [String: Int] = [:]
        public init() {}
    }

    public var tiers: [String: String] = [:]
    /// Routes by purpose; a purpose without routes takes ``fallbackRoutes``.
    public var routes: [GatewayPurpose: [Route]] = [:]
    /// The file's `default` routes, else the default model alone.
    public var fallbackRoutes: [Route]
    public var retry = Retry()
    public var cooldown = Cooldown()
    public var budgets = Budgets()

    /// Every purpose served by `defaultModel` alone: what runs without a `gateway.json`.
    public init(defaultModel: String) {
        fallbackRoutes = [Route(model: defaultModel)]
    }

    /// The routes of `purpose` in order, tier names replaced by the references they stand for.
    public func routes(for purpose: GatewayPurpose) -> [Route] {
        let chosen = routes[purpose].flatMap { $0.isEmpty ? nil : $0 } ?? fallbackRoutes
        return chosen.map { route in
            var route = route
            if let reference = tiers[route.model] { route.model = reference }
            return route
        }
    }

    public static let fileName = "gateway.json"

    /// `home/gateway.json`.
    public static func url(home: URL) -> URL {
        home.appendingPathComponent(fileName)
    }

    /// Whether `home` has a `gateway.json`: then commands and runs that name no model take their
    /// purpose's routes, and the APIs list the `gateway:PURPOSE` names.
    public static func exists(home: URL) -> Bool {
        FileManager.default.fileExists(atPath: url(home: home).path)
    }

    /// Reads `home/gateway.json`, or the default routes when there is none.
    /// - Throws: `NexusError(.invalidArgument)` naming the file and what in it is wrong.
    public static func load(home: URL, defaultModel: String) throws -> GatewayConfiguration {
        let url = url(home: home)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return GatewayConfiguration(defaultModel: defaultModel)
        }
        do {
            return try GatewayConfiguration(json: JSONValue.parse(data), defaultModel: defaultModel)
        } catch let error as NexusError {
            throw NexusError(.invalidArgument, "\(url.path): \(error.message)")
        }
    }

    /// Reads the configuration from its JSON form; unknown keys and purposes are errors (a typo
    /// would otherwise send a purpose to the wrong model without a word).
    public init(json: JSONValue, defaultModel: String) throws {
        self.init(defaultModel: defaultModel)
        guard let object = json.objectValue else { throw Self.problem("the file must hold a JSON object") }
        try Self.onlyKeys(object, ["tiers", "routes", "retry", "cooldown", "budgets"], in: "the file")
        for (name, value) in object["tiers"]?.objectValue ?? [:] {
            guard let reference = value.stringValue, !reference.isEmpty else { throw Self.problem("tier '\(name)' must name a model") }
            tiers[name] = reference
        }
        for (key, value) in object["routes"]?.objectValue ?? [:] {
            let list = try Self.routeList(value, key: key)
            if key == "default" {
                fallbackRoutes = list
            } else if let purpose = GatewayPurpose(rawValue: key) {
                routes[purpose] = list
            } else {
                let known = GatewayPurpose.allCases.map(\.rawValue).joined(separator: ", ")
                throw Self.problem("'\(key)' is not a purpose; use one of \(known) or default")
            }
        }
        if let retry = object["retry"]?.objectValue {
            try Self.onlyKeys(retry, ["attempts", "base_delay_ms", "max_delay_ms"], in: "retry")
            self.retry.attempts = try Self.whole(retry["attempts"], "retry.attempts", minimum: 1) ?? self.retry.attempts
            self.retry.baseDelaySeconds = try Self.whole(retry["base_delay_ms"], "retry.base_delay_ms", minimum: 0).map { Double($0) / 1000 }
                ?? self.retry.baseDelaySeconds
            self.retry.maxDelaySeconds = try Self.whole(retry["max_delay_ms"], "retry.max_delay_ms", minimum: 0).map { Double($0) / 1000 }
                ?? self.retry.maxDelaySeconds
        }
        if let cooldown = object["cooldown"]?.objectValue {
            try Self.onlyKeys(cooldown, ["failures", "seconds"], in: "cooldown")
            self.cooldown.failures = try Self.whole(cooldown["failures"], "cooldown.failures", minimum: 1) ?? self.cooldown.failures
            self.cooldown.seconds = try Self.whole(cooldown["seconds"], "cooldown.seconds", minimum: 0).map(Double.init) ?? self.cooldown.seconds
        }
        if let budgets = object["budgets"]?.objectValue {
            try Self.onlyKeys(budgets, ["window_seconds", "purposes", "orgs"], in: "budgets")
            self.budgets.windowSeconds = try Self.whole(budgets["window_seconds"], "budgets.window_seconds", minimum: 1).map(Double.init)
                ?? self.budgets.windowSeconds
            for (key, value) in budgets["purposes"]?.objectValue ?? [:] {
                guard let purpose = GatewayPurpose(rawValue: key) else { throw Self.problem("budgets.purposes: '\(key)' is not a purpose") }
                self.budgets.purposes[purpose] = try Self.whole(value, "budgets.purposes.\(key)", minimum: 0)
            }
            for (org, value) in budgets["orgs"]?.objectValue ?? [:] {
                self.budgets.orgs[org] = try Self.whole(value, "budgets.orgs.\(org)", minimum: 0)
            }
        }
    }

    private static func routeList(_ value: JSONValue, key: String) throws -> [Route] {
        guard let items = value.arrayValue, !items.isEmpty else {
            throw problem("routes.\(key) must be a non-empty list of {\"model\": …}")
        }
        return try items.enumerated().map { index, item in
            guard let object = item.objectValue else { throw problem("routes.\(key)[\(index)] must be an object with \"model\"") }
            try onlyKeys(object, ["model", "credential", "timeout_seconds"], in: "routes.\(key)[\(index)]")
            guard let model = object["model"]?.stringValue, !model.isEmpty else {
                throw problem("routes.\(key)[\(index)] needs \"model\": a model reference or a tier's name")
            }
            var route = Route(model: model, credential: object["credential"]?.stringValue)
            if let timeout = object["timeout_seconds"] {
                guard let seconds = timeout.numberValue, seconds > 0 else {
                    throw problem("routes.\(key)[\(index)].timeout_seconds must be a positive number")
                }
                route.timeoutSeconds = seconds
            }
            return route
        }
    }

    private static func whole(_ value: JSONValue?, _ name: String, minimum: Int) throws -> Int? {
        guard let value else { return nil }
        guard let number = value.numberValue, number == number.rounded(), number >= Double(minimum), number < 1e15 else {
            throw problem("\(name) must be a whole number of at least \(minimum)")
        }
        return Int(number)
    }

    private static func onlyKeys(_ object: JSONObject, _ allowed: Set<String>, in place: String) throws {
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw problem("\(place) has an unknown key '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    private static func problem(_ message: String) -> NexusError {
        NexusError(.invalidArgument, message)
    }
}
