/// The version `nexus --version` prints.
public enum NexusVersion {
    public static let nexus = "0.1.0"
    /// llama.cpp is built from the source bundled in this llama-cpp-python release.
    public static let llamaCppPython = "0.3.36"
    public static var description: String { "nexus \(nexus) (llama.cpp from llama-cpp-python \(llamaCppPython))" }
}
