public import Foundation

/// A chat conversation; its messages are read with `ConversationStore.messages(conversationID:)`.
public struct Conversation: Sendable, Codable, Hashable {
    /// "conv_" and 12 random lowercase base32 characters.
    public var id: String
    public var title: String?
    public var createdAt: Date
    /// When the last message was appended.
    public var updatedAt: Date
    public var messageCount: Int

    public init(id: String, title: String?, createdAt: Date, updatedAt: Date, messageCount: Int) {
        self.id = id
        self.title = title
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
    }
}
