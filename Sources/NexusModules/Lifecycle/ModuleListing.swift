public import Foundation
public import NexusCore
public import NexusStore

/// What `nexus modules list --json` and `GET /admin/modules` show of each version, and what
/// `nexus modules show --json` and `GET /admin/modules/{module}` show of one: the same fields
/// from both.
public enum ModuleListing {
    /// Every version with its stage, whether it is active, and how its latest validation went.
    public static func all(_ store: ModuleStore) throws -> [JSONValue] {
        let active = Set(try store.activeAll().map(\.moduleID))
        return try store.all().map { record in
            summary(record, active: active.contains(record.id), validated: try store.latestValidation(moduleID: record.id)?.passed)
        }
    }

    public static func summary(_ record: ModuleRecord, active: Bool, validated: Bool?) -> JSONValue {
        ["name": .string(record.name), "version": .string(record.version), "stage": .string(record.stage.rawValue),
         "id": .string(record.id), "active": .bool(active), "validated": validated.map(JSONValue.bool) ?? .null,
         "created_at": .number(record.createdAt.timeIntervalSince1970)]
    }

    /// One version whole: manifest, code, whether it is active, its latest validation report.
    public static func detail(_ record: ModuleRecord, store: ModuleStore) throws -> JSONValue {
        [
            "id": .string(record.id), "name": .string(record.name), "version": .string(record.version),
            "stage": .string(record.stage.rawValue), "active": .bool(try store.active(name: record.name)?.moduleID == record.id),
            "manifest": try JSONValue.parse(record.manifest), "code": .string(record.code),
            "validation": try store.latestValidation(moduleID: record.id)?.report ?? .null,
        ]
    }
}

extension ModuleLifecycle {
    /// The version `reference` shows: the promoted one when there is one; a name with only
    /// drafts shows its newest draft.
    public func shown(_ reference: String) throws -> ModuleRecord {
        do {
            return try find(reference, preferring: .promoted)
        } catch let error as NexusError where error.code == .notFound && !reference.contains("@") {
            return try find(reference, preferring: .draft)
        }
    }
}
