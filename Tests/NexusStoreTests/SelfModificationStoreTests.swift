import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct SelfModificationStoreTests {
    @Test func versionsAndRollbackKeepHistory() throws {
        let store = SelfModificationStore(database: try NexusDatabase.inMemory())
        #expect(try store.current(key: "system_prompt") == nil)
        #expect(try store.set(key: "system_prompt", value: "Be brief.", reason: "users want short answers", actor: "user") == 1)
        #expect(try store.set(key: "system_prompt", value: "Be verbose.", reason: "experiment", actor: "run:run_x") == 2)
        #expect(try store.current(key: "system_prompt") == "Be verbose.")

        #expect(try store.rollback(key: "system_prompt", to: 1, actor: "user") == 3)
        #expect(try store.current(key: "system_prompt") == "Be brief.")
        let history = try store.history(key: "system_prompt")
        #expect(history.map(\.version) == [1, 2, 3])
        #expect(history.map(\.value) == ["Be brief.", "Be verbose.", "Be brief."])
        #expect(history[2].restoredFrom == 1 && history[2].reason == "rollback to version 1")
        #expect(history[1].actor == "run:run_x")
        #expect(try store.currentVersion(key: "system_prompt")?.version == 3)

        try store.set(key: "settings.max_steps", value: "30", reason: "long tasks", actor: "user")
        #expect(try store.currentAll().map(\.key) == ["settings.max_steps", "system_prompt"])
    }

    @Test func badInputChangesNothing() throws {
        let store = SelfModificationStore(database: try NexusDatabase.inMemory())
        for key in ["", "prompt", "settings.", "settings.Upper", "settings..x", "settings.a b", "soul2"] {
            let error = #expect(throws: NexusError.self) { try store.set(key: key, value: "v", reason: "r", actor: "user") }
            #expect(error?.code == .invalidArgument)
        }
        #expect(SelfModification.isValidKey("soul") && SelfModification.isValidKey("settings.model.default"))
        let noReason = #expect(throws: NexusError.self) { try store.set(key: "soul", value: "calm", reason: "  ", actor: "agent") }
        #expect(noReason?.code == .invalidArgument)
        try store.set(key: "soul", value: "calm", reason: "identity", actor: "user")
        let missing = #expect(throws: NexusError.self) { try store.rollback(key: "soul", to: 7, actor: "user") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("versions 1 to 1") == true)
        #expect(try store.history(key: "soul").count == 1)
    }

    @Test func historyCannotBeEditedEvenWithSQL() throws {
        try withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("nexus.db")
            let store = SelfModificationStore(database: try NexusDatabase.open(at: url))
            try store.set(key: "soul", value: "calm", reason: "identity", actor: "user")
            for sql in ["DELETE FROM self_modifications", "UPDATE self_modifications SET value = 'angry'"] {
                let error = #expect(throws: NexusError.self) {
                    try ExternalDatabase.query(path: url.path, sql: sql, readOnly: false, maxBytes: 1000)
                }
                #expect(error?.message.contains("append-only") == true)
            }
            #expect(try store.current(key: "soul") == "calm")
        }
    }
}
