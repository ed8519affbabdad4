/// Short random identifiers such as `run_7k2m9x4q0hzt`: a prefix and 12 characters of lowercase
/// Crockford base32 (60 random bits), easy to type and to shorten to a unique prefix.
enum ShortID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    static func make(prefix: String, length: Int = 12) -> String {
        var generator = SystemRandomNumberGenerator()
        var id = prefix
        for _ in 0..<length {
            id.append(alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))])
        }
        return id
    }
}
