/// The version `nexus --version` prints.
public enum NexusVersion {
    public static let nexus = "0.1.0"
    /// What `/api/version` reports: the Ollama API version whose wire formats the server follows,
    /// so clients that gate features on it keep working.
    public static let ollamaCompatible = "0.12.0"
    /// llama.cpp is built from the source bundled in this llama-cpp-python release.
    public static let llamaCppPython = "0.3.36"
    public static var description: String { "nexus \(nexus) (llama.cpp from llama-cpp-python \(llamaCppPython))" }
}
