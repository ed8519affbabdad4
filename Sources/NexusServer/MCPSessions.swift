import Foundation
import MCP

/// The MCP sessions of `/mcp`: each an SDK server on its own transport, owned by the key that
/// opened it. Another key presenting a session's id is told there is no such session. Sessions
/// idle past `idleSeconds` are closed, and at most `maximum` are kept (the longest idle goes first).
actor MCPSessions {
    struct Session {
        let server: Server
        let transport: StatefulHTTPServerTransport
        let ownerKeyID: String
        var lastUsed: ContinuousClock.Instant
    }

    private var sessions: [String: Session] = [:]
    let maximum: Int
    let idleSeconds: Double

    init(maximum: Int = 256, idleSeconds: Double = 3600) {
        self.maximum = maximum
        self.idleSeconds = idleSeconds
    }

    /// The transport of session `id` if `keyID` owns it; touches it.
    func transport(_ id: String, keyID: String) -> StatefulHTTPServerTransport? {
        guard var session = sessions[id], session.ownerKeyID == keyID else { return nil }
        session.lastUsed = .now
        sessions[id] = session
        return session.transport
    }

    /// Keeps a newly initialized session, closing idle ones and, over the limit, the longest idle.
    func add(_ id: String, server: Server, transport: StatefulHTTPServerTransport, keyID: String) async {
        let now = ContinuousClock.now
        var closing = sessions.filter { now - $0.value.lastUsed > .seconds(idleSeconds) }.map(\.key)
        let kept = sessions.count - closing.count
        if kept >= maximum {
            closing += sessions.filter { !closing.contains($0.key) }.sorted { $0.value.lastUsed < $1.value.lastUsed }
                .prefix(kept - maximum + 1).map(\.key)
        }
        for stale in closing { await remove(stale) }
        sessions[id] = Session(server: server, transport: transport, ownerKeyID: keyID, lastUsed: now)
    }

    func remove(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
    }

    func removeAll() async {
        for id in Array(sessions.keys) { await remove(id) }
    }

    var count: Int { sessions.count }
}
