import Crypto
import Foundation
public import NexusCore

/// Content ids: lowercase hex SHA-256 digests.
public enum ContentID {
    /// The id of a module: sha256 of its canonical manifest text, one newline, and its code.
    /// Canonical JSON never holds a raw newline, so the first newline separates the two parts.
    public static func module(manifest: JSONValue, code: String) -> String {
        module(canonicalManifest: CanonicalJSON.text(manifest), code: code)
    }

    /// The id of a module whose manifest is already canonical text.
    public static func module(canonicalManifest: String, code: String) -> String {
        sha256(Array(canonicalManifest.utf8) + [0x0A] + Array(code.utf8))
    }

    /// The id of a self-modification: sha256 of the canonical `{"key", "value", "version"}`.
    public static func setting(key: String, version: Int, value: String) -> String {
        sha256(CanonicalJSON.bytes(["key": .string(key), "version": .number(Double(version)), "value": .string(value)]))
    }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    /// Lowercase hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256(_ text: String) -> String {
        sha256(Array(text.utf8))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
