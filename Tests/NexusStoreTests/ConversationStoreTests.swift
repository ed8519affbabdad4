import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct ConversationStoreTests {
    @Test func messagesRoundTripInOrder() throws {
        let store = ConversationStore(database: try NexusDatabase.inMemory())
        let conversation = try store.create(title: "files")
        #expect(conversation.id.hasPrefix("conv_"))
        let call = ToolCall(id: "call_1", name: "filesystem_list", arguments: .object(JSONObject([("path", "."), ("recursive", false)])))
        let messages: [ChatMessage] = [
            .system("You are Nexus."),
            .user("What files are here?"),
            .assistant("", toolCalls: [call]),
            .tool("a.py\nb.py", callID: "call_1", name: "filesystem_list"),
        ]
        try store.append(contentsOf: Array(messages.prefix(2)), to: conversation.id)
        for message in messages.dropFirst(2) {
            try store.append(message, to: conversation.id)
        }
        let loaded = try store.messages(conversationID: conversation.id)
        #expect(loaded == messages)
        #expect(loaded[2].toolCalls.first?.arguments.objectValue?.keys == ["path", "recursive"])
        #expect(try store.conversation(id: conversation.id)?.messageCount == 4)
    }

    @Test func listAppendToUnknownAndDelete() throws {
        let store = ConversationStore(database: try NexusDatabase.inMemory())
        let first = try store.create()
        let second = try store.create(title: "second")
        try store.append(.user("hello"), to: first.id)
        #expect(try store.list().map(\.id) == [first.id, second.id])
        let error = #expect(throws: NexusError.self) { try store.append(.user("hi"), to: "conv_missing") }
        #expect(error?.code == .notFound)
        #expect(throws: NexusError.self) { try store.messages(conversationID: "conv_missing") }
        #expect(try store.delete(id: first.id))
        #expect(try store.list().map(\.id) == [second.id])
    }
}
