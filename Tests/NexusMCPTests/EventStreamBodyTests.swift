import Foundation
import NexusMCP
import Testing

/// How a Streamable HTTP reply body becomes JSON-RPC messages: as JSON, or event by event.
@Suite struct EventStreamBodyTests {
    private func messages(_ body: String) -> [String] {
        EventStreamBody.messages(in: Data(body.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func jsonIsOneMessage() {
        #expect(messages("  {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}") == ["  {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"])
        #expect(messages("[{\"id\":1},{\"id\":2}]") == ["[{\"id\":1},{\"id\":2}]"])
    }

    @Test func eachEventIsAMessage() {
        let body = "event: message\r\nid: 1\r\ndata: {\"id\":1}\r\n\r\n: keep-alive\n\nevent: message\ndata:{\"id\":2}\n\n"
        #expect(messages(body) == ["{\"id\":1}", "{\"id\":2}"])
    }

    @Test func dataLinesJoinAndTheLastEventNeedsNoBlankLine() {
        #expect(messages("data: {\"id\":\ndata: 3}\n\ndata: {\"id\":4}") == ["{\"id\":\n3}", "{\"id\":4}"])
    }

    @Test func anEventWithoutDataIsNoMessage() {
        // A priming event (an id and empty data) and a retry hint carry nothing.
        #expect(messages("id: abc\ndata: \n\nretry: 3000\n\ndata: {\"id\":5}\n\n") == ["{\"id\":5}"])
        #expect(messages("").isEmpty)
    }
}
