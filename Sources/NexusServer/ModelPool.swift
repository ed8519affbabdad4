public import Foundation
public import NexusAPI
public import NexusCore

/// The models the server holds in memory: loaded on first use, shared by concurrent requests,
/// unloaded when their `keep_alive` runs out while idle, or to make room (least recently used first).
public actor ModelPool {
    /// Turns a model name into a ready backend (NexusRuntime loads llama.cpp here).
    public typealias Loader = @Sendable (String) async throws -> any InferenceBackend

    private struct Entry {
        var backend: any InferenceBackend
        var active = 0
        var keepAlive: KeepAlive = .standard
        var expiresAt: Date?
        var lastUsed = Date()
        /// The id of the timer that unloads it once idle past `expiresAt`; nil while none runs.
        var timer: Int?
    }

    private let loader: Loader
    private let maxLoaded: Int
    private var entries: [String: Entry] = [:]
    private var loading: [String: Task<any InferenceBackend, any Error>] = [:]
    private var lastTimerID = 0
    /// How many unload timers are waiting now: at most one per loaded model, however many
    /// requests used it (each release used to start its own, and a busy server piled up
    /// hundreds of thousands of them).
    public private(set) var expiryTimers = 0

    public init(maxLoaded: Int, loader: @escaping Loader) {
        self.maxLoaded = max(1, maxLoaded)
        self.loader = loader
    }

    /// A backend for `name`, loaded if needed, counted as in use until `release`.
    /// - Returns: the backend and the seconds spent loading it (0 when it was already loaded).
    /// - Throws: the loader's `NexusError` (e.g. `.modelNotFound`).
    public func acquire(_ name: String) async throws -> (backend: any InferenceBackend, loadSeconds: Double) {
        if let backend = use(name) {
            return (backend, 0)
        }
        let started = ContinuousClock.now
        let task: Task<any InferenceBackend, any Error>
        if let pending = loading[name] {
            task = pending
        } else {
            let loader = self.loader
            task = Task { try await loader(name) }
            loading[name] = task
        }
        let backend: any InferenceBackend
        do {
            backend = try await task.value
        } catch {
            loading[name] = nil
            throw error
        }
        loading[name] = nil
        // A concurrent request for the same model may have stored it while this one waited.
        if let backend = use(name) {
            return (backend, (ContinuousClock.now - started).inSeconds)
        }
        makeRoom()
        entries[name] = Entry(backend: backend, active: 1)
        return (backend, (ContinuousClock.now - started).inSeconds)
    }

    /// Counts one more use of a loaded model; nil when it is not loaded.
    private func use(_ name: String) -> (any InferenceBackend)? {
        guard var entry = entries[name] else { return nil }
        entry.active += 1
        entry.lastUsed = Date()
        entries[name] = entry
        return entry.backend
    }

    /// Ends one use of `name`; `keepAlive` (when given) replaces how long it stays loaded once idle.
    public func release(_ name: String, keepAlive: KeepAlive?) {
        guard var entry = entries[name] else { return }
        entry.active = max(0, entry.active - 1)
        if let keepAlive { entry.keepAlive = keepAlive }
        entry.lastUsed = Date()
        entries[name] = entry
        if entry.active == 0 { scheduleExpiry(name) }
    }

    /// Loads `name` (if needed) and sets how long it stays: `/api/generate` with an empty prompt.
    public func load(_ name: String, keepAlive: KeepAlive?) async throws {
        _ = try await acquire(name)
        release(name, keepAlive: keepAlive)
    }

    /// Unloads `name` now if idle, or as soon as its last request ends.
    public func unload(_ name: String) {
        guard var entry = entries[name] else { return }
        entry.keepAlive = .seconds(0)
        entries[name] = entry
        if entry.active == 0 { entries[name] = nil }
    }

    /// The backend of a loaded model, without counting a use (metrics, `/api/ps`).
    public func loaded() -> [(name: String, backend: any InferenceBackend, expiresAt: Date?)] {
        entries.sorted { $0.key < $1.key }.map { name, entry in
            (name, entry.backend, entry.active > 0 ? Self.expiry(entry.keepAlive, from: Date()) : entry.expiresAt)
        }
    }

    public func isLoaded(_ name: String) -> Bool { entries[name] != nil }

    private func scheduleExpiry(_ name: String) {
        guard var entry = entries[name] else { return }
        switch entry.keepAlive {
        case .forever:
            entry.expiresAt = nil
        case .seconds(let seconds) where seconds <= 0:
            entries[name] = nil
            return
        case .seconds(let seconds):
            entry.expiresAt = Date().addingTimeInterval(seconds)
            if entry.timer == nil {
                lastTimerID += 1
                entry.timer = lastTimerID
                startTimer(name, id: lastTimerID)
            }
        }
        entries[name] = entry
    }

    /// The one timer of a loaded model: it sleeps until the model's expiry and, when a later
    /// use has moved the expiry on, sleeps again until the new one.
    private func startTimer(_ name: String, id: Int) {
        expiryTimers += 1
        Task { [weak self] in
            while let seconds = await self?.expireOrWait(name, timer: id) {
                try? await Task.sleep(for: .seconds(seconds))
            }
            await self?.timerEnded()
        }
    }

    private func timerEnded() { expiryTimers -= 1 }

    /// Unloads `name` when it has been idle past its expiry and returns nil, which ends timer
    /// `timer`; else the seconds left. A timer also ends when the model is in use or kept
    /// forever (the next release starts one), or was unloaded and loaded again (the new entry has its own).
    private func expireOrWait(_ name: String, timer: Int) -> Double? {
        guard var entry = entries[name], entry.timer == timer else { return nil }
        guard entry.active == 0, let expiresAt = entry.expiresAt else {
            entry.timer = nil
            entries[name] = entry
            return nil
        }
        let left = expiresAt.timeIntervalSinceNow
        if left > 0 { return left }
        entries[name] = nil
        return nil
    }

    /// Unloads idle models, least recently used first, until one more fits.
    private func makeRoom() {
        while entries.count >= maxLoaded {
            guard let victim = entries.filter({ $0.value.active == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) else {
                return  // every loaded model is busy: allow one more rather than fail the request
            }
            entries[victim.key] = nil
        }
    }

    private static func expiry(_ keepAlive: KeepAlive, from date: Date) -> Date? {
        if case .seconds(let seconds) = keepAlive { return date.addingTimeInterval(seconds) }
        return nil
    }
}
