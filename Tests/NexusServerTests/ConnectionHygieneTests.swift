import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import Testing

/// A client cannot hold the server's connections with requests it never finishes, and a body over
/// the limit is the client's fault however it is sent. Each test starts a real server on
/// 127.0.0.1 with short timeouts and opens at most three connections.
@Suite struct ConnectionHygieneTests {
    private func fixture(headTimeout: Duration = .milliseconds(300), idleTimeout: Duration = .milliseconds(600),
                         maxConnections: Int = 512, maxBodyBytes: Int = 4096) throws -> ServerFixture {
        var fixture = try ServerFixture(maxBodyBytes: maxBodyBytes)
        fixture.configuration.requestHeadTimeout = headTimeout
        fixture.configuration.idleTimeout = idleTimeout
        fixture.configuration.maxConnections = maxConnections
        return fixture
    }

    @Test func aConnectionThatSendsNothingIsClosed() async throws {
        let fixture = try fixture()
        defer { fixture.home.remove() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port), readTimeout: .seconds(5))
            let started = ContinuousClock.now
            let outcome = await blocking { connection.readAll() }
            #expect(outcome.closed, "the server kept a silent connection open for 5 s")
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test func aRequestHeadThatNeverEndsIsClosed() async throws {
        let fixture = try fixture()
        defer { fixture.home.remove() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port), readTimeout: .seconds(5))
            // A slow client: the head arrives a piece at a time and is never finished.
            connection.send("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            try await Task.sleep(for: .milliseconds(150))
            connection.send("Content-Type: application/json\r\n")
            let outcome = await blocking { connection.readAll() }
            #expect(outcome.closed, "the server kept a half-sent request head open for 5 s")
        }
    }

    @Test func aBodyThatStallsIsClosed() async throws {
        let fixture = try fixture()
        defer { fixture.home.remove() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port), readTimeout: .seconds(5))
            connection.send("POST /api/show HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":")
            let outcome = await blocking { connection.readAll() }
            #expect(outcome.closed, "the server waited more than 5 s for a stalled body")
        }
    }

    @Test func aKeptAliveConnectionStillServesRequestsWithinTheTimeouts() async throws {
        let fixture = try fixture()
        defer { fixture.home.remove() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port), readTimeout: .seconds(5))
            for _ in 0..<2 {
                connection.send("GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let answer = await blocking { connection.read(until: "\"version\"") }
                #expect(answer.hasPrefix("HTTP/1.1 200"), "answered: \(answer)")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test func connectionsBeyondTheCapWaitUntilOneCloses() async throws {
        // Hummingbird's live test harness drops the connection cap, so this runs the server itself.
        var fixture = try fixture(headTimeout: .seconds(30), idleTimeout: .seconds(30), maxConnections: 2)
        defer { fixture.home.remove() }
        let port = try RawConnection.freePort()
        fixture.configuration.port = port
        let app = fixture.application()
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var holders = [try await RawConnection.waitingForServer(port: port), try RawConnection(port: port)]
        try await Task.sleep(for: .milliseconds(200))
        let waiting = try RawConnection(port: port, readTimeout: .seconds(1))
        waiting.send("GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let early = await blocking { waiting.read() }
        #expect(early == .timedOut, "a connection was served beyond the cap of 2: \(early)")
        holders.removeFirst()  // closes one
        let answer = await blocking { waiting.read(until: "\"version\"") }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "answered: \(answer)")
        holders.removeAll()
        server.cancel()
        _ = await server.result
    }

    @Test func aChunkedBodyOverTheLimitIs413() async throws {
        let fixture = try fixture(headTimeout: .seconds(10), idleTimeout: .seconds(10), maxBodyBytes: 4096)
        defer { fixture.home.remove() }
        try await fixture.application().test(.live) { client in
            let connection = try RawConnection(port: try #require(client.port))
            var request = "POST /api/show HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            let chunk = String(repeating: " ", count: 1000)
            for _ in 0..<6 { request += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
            request += "0\r\n\r\n"
            connection.send(request)
            let answer = await blocking { connection.read(until: "accepted") }
            #expect(answer.hasPrefix("HTTP/1.1 413"), "answered: \(answer.prefix(200))")
            #expect(answer.contains("4096 bytes"))
        }
    }
}
