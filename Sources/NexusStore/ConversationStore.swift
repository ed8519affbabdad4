import Foundation
import GRDB
public import NexusCore

/// Chat conversations and their messages, in order, tool calls included, of the database
/// handle's org only.
public struct ConversationStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Starts an empty conversation.
    /// - Parameter title: A title to show in lists, if any.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func create(title: String? = nil) throws -> Conversation {
        let now = Date()
        let conversation = Conversation(id: ShortID.make(prefix: "conv_"), title: title, createdAt: now, updatedAt: now, messageCount: 0)
        try database.write("create a conversation") { db in
            try db.execute(sql: "INSERT INTO conversations (id, title, created_at, updated_at, org) VALUES (?, ?, ?, ?, ?)",
                           arguments: [conversation.id, title, now.databaseSeconds, now.databaseSeconds, database.org.rawValue])
        }
        return conversation
    }

    /// The conversation with this id, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func conversation(id: String) throws -> Conversation? {
        try database.read("load conversation \(id)") { db in
            try Row.fetchOne(db, sql: "\(Self.select) WHERE c.id = ? AND c.org = ?", arguments: [id, database.org.rawValue]).map(Conversation.init(row:))
        }
    }

    /// Appends a message at the end of a conversation.
    /// - Throws: `NexusError(.notFound)` when there is no such conversation, `.databaseFailed` when it cannot be saved.
    public func append(_ message: ChatMessage, to conversationID: String) throws {
        try append(contentsOf: [message], to: conversationID)
    }

    /// Appends messages, in order, at the end of a conversation, in one transaction.
    /// - Throws: `NexusError(.notFound)` when there is no such conversation (nothing is saved),
    ///   `.databaseFailed` when they cannot be saved.
    public func append(contentsOf messages: [ChatMessage], to conversationID: String) throws {
        let now = Date()
        try database.write("append to conversation \(conversationID)") { db in
            try db.execute(sql: "UPDATE conversations SET updated_at = ? WHERE id = ? AND org = ?",
                           arguments: [now.databaseSeconds, conversationID, database.org.rawValue])
            guard db.changesCount > 0 else {
                throw NexusError(.notFound, "there is no conversation \(conversationID); create one first")
            }
            var position = try Int.fetchOne(db, sql: "SELECT coalesce(max(position) + 1, 0) FROM conversation_messages WHERE conversation_id = ?",
                                            arguments: [conversationID]) ?? 0
            for message in messages {
                try db.execute(sql: """
                    INSERT INTO conversation_messages (conversation_id, position, role, content, tool_calls, tool_call_id, tool_name, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        conversationID, position, message.role.rawValue, message.content, Self.encode(message.toolCalls),
                        message.toolCallID, message.toolName, now.databaseSeconds,
                    ])
                position += 1
            }
        }
    }

    /// A conversation's messages, oldest first.
    /// - Throws: `NexusError(.notFound)` when there is no such conversation, `.databaseFailed` when it cannot be read.
    public func messages(conversationID: String) throws -> [ChatMessage] {
        try database.read("load the messages of conversation \(conversationID)") { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ? AND org = ?)",
                                    arguments: [conversationID, database.org.rawValue]) == true else {
                throw NexusError(.notFound, "there is no conversation \(conversationID)")
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM conversation_messages WHERE conversation_id = ? ORDER BY position",
                                    arguments: [conversationID]).map(Self.message(from:))
        }
    }

    /// The most recently active conversations first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(limit: Int = 50) throws -> [Conversation] {
        try database.read("list conversations") { db in
            try Row.fetchAll(db, sql: "\(Self.select) WHERE c.org = ? ORDER BY c.updated_at DESC, c.id LIMIT ?", arguments: [database.org.rawValue, max(limit, 0)])
                .map(Conversation.init(row:))
        }
    }

    /// Deletes a conversation and its messages.
    /// - Returns: Whether it existed.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be deleted.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try database.write("delete conversation \(id)") { db in
            try db.execute(sql: "DELETE FROM conversations WHERE id = ? AND org = ?", arguments: [id, database.org.rawValue])
            return db.changesCount > 0
        }
    }

    private static let select = """
        SELECT c.*, (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id) AS message_count
        FROM conversations c
        """

    /// Tool calls as a JSON array of {"id", "name", "arguments"}, arguments kept in their order.
    private static func encode(_ calls: [ToolCall]) -> String {
        JSONValue.array(calls.map { call in
            .object(JSONObject([("id", .string(call.id)), ("name", .string(call.name)), ("arguments", call.arguments)]))
        }).jsonText
    }

    private static func message(from row: Row) throws -> ChatMessage {
        let roleText: String = try row.value("role")
        guard let role = ChatMessage.Role(rawValue: roleText) else {
            throw NexusError(.databaseFailed, "a stored message has the unknown role '\(roleText)'")
        }
        let calls = try (row.json("tool_calls").arrayValue ?? []).map { value in
            ToolCall(id: value["id"]?.stringValue ?? "", name: value["name"]?.stringValue ?? "", arguments: value["arguments"] ?? [:])
        }
        return ChatMessage(role: role, content: try row.value("content"), toolCalls: calls,
                           toolCallID: try row.value("tool_call_id"), toolName: try row.value("tool_name"))
    }
}

extension Conversation {
    init(row: Row) throws {
        self.init(
            id: try row.value("id"),
            title: try row.value("title"),
            createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"),
            messageCount: try row.value("message_count"))
    }
}
