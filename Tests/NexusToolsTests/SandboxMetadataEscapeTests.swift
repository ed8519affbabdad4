import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// Landlock does not cover metadata calls (chmod, chown, utime, setxattr), and the sandboxed
/// process has the caller's uid (root in CI), so file permissions do not stop it either. The
/// mount tree is read-only outside the writable paths: each of these fails with EROFS, by
/// whatever route the file is named.
@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxMetadataEscapeTests {
    @Test func metadataOfAFileOutsideEveryAllowedPathCannotBeChanged() async throws {
        let fixture = try SandboxFixture()
        let secret = fixture.secretFile.path
        let before = try Self.status(secret)
        let outcome = try await fixture.python("""
            import os
            path = \(Self.literal(secret))
            def attempt(name, call):
                try:
                    call()
                    print(name, "changed")
                except OSError as e:
                    print(name, e.errno)
            attempt("chmod", lambda: os.chmod(path, 0o4777))
            attempt("utime", lambda: os.utime(path, (0, 0)))
            attempt("setxattr", lambda: os.setxattr(path, "user.nexus", b"x"))
            attempt("chown", lambda: os.chown(path, os.getuid(), os.getgid()))
            # An O_PATH descriptor needs no Landlock right; chmod through /proc/self/fd follows it.
            fd = os.open(path, os.O_PATH)
            attempt("chmod-opath", lambda: os.chmod(f"/proc/self/fd/{fd}", 0o4777))
            attempt("utime-opath", lambda: os.utime(f"/proc/self/fd/{fd}", (0, 0)))
            attempt("chmod-parent", lambda: os.chmod(os.path.dirname(path), 0o777))
            """)
        #expect(outcome.stdout == "chmod 30\nutime 30\nsetxattr 30\nchown 30\nchmod-opath 30\nutime-opath 30\nchmod-parent 30\n")
        let after = try Self.status(secret)
        #expect(after.st_mode == before.st_mode)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec)
        try await fixture.expectStillWorking()
    }

    @Test func aReadablePathIsNotWritableThroughItsMetadata() async throws {
        let fixture = try SandboxFixture()
        let policy = fixture.policy(readable: [".", fixture.outside.path])
        // /etc/passwd is readable in every sandbox; the mode it is set to is its own, so that a
        // failure of this test leaves the host as it was.
        let outcome = try await fixture.python("""
            import os
            for path in [\(Self.literal(fixture.secretFile.path)), "/etc/passwd", "/usr/bin/env"]:
                mode = os.stat(path).st_mode & 0o7777
                try:
                    os.chmod(path, mode)
                    print("changed", path)
                except OSError as e:
                    print(e.errno)
            """, policy: policy)
        #expect(outcome.stdout == "30\n30\n30\n")
        try await fixture.expectStillWorking()
    }

    @Test func theWorkspaceKeepsItsMetadataCallsAndDevicesStayWritable() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import os
            open("script.sh", "w").write("echo hi\\n")
            os.chmod("script.sh", 0o755)
            os.utime("script.sh", (1000000000, 1000000000))
            os.makedirs("sub/deeper")
            os.rename("script.sh", "sub/deeper/moved.sh")
            with open("/dev/null", "w") as null:
                null.write("discarded")
            print(oct(os.stat("sub/deeper/moved.sh").st_mode & 0o777), int(os.stat("sub/deeper/moved.sh").st_mtime))
            """)
        #expect(outcome.stdout == "0o755 1000000000\n")
        #expect(outcome.stderr.isEmpty)
    }

    private static func status(_ path: String) throws -> stat {
        var result = stat()
        guard stat(path, &result) == 0 else { throw NexusError(.ioError, "stat \(path): errno \(errno)") }
        return result
    }

    /// `text` as a Python string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
