/// What a successful run's end state rested on, kept with its trace: the files its calls left
/// (with their text, when the run wrote it whole) and where each value its answer states came
/// from. A replay of the trace checks them again on its own end state (`ReplayPostConditions`).
public struct PostConditions: Sendable, Codable, Hashable {
    public var files: [FileCondition]
    public var answer: [ValueSource]

    public init(files: [FileCondition] = [], answer: [ValueSource] = []) {
        self.files = files
        self.answer = answer
    }

    /// A path's state at the end of the run.
    public struct FileCondition: Sendable, Codable, Hashable {
        public enum State: String, Sendable, Codable, Hashable {
            /// A file (with `text`, when known).
            case file
            case folder
            /// A file or folder.
            case exists
            /// Nothing at the path (moved or deleted away).
            case absent
        }

        /// Relative to the workspace, as the call gave it.
        public var path: String
        public var state: State
        /// The whole text the file holds, when a call wrote it whole.
        public var text: String?
        /// Text the file contains somewhere (a replacement made).
        public var contains: String?
        /// Whether every word of `text` or `contains` comes from the task, so a replay for another
        /// task must hold that task's words in their place; otherwise only the state is checked.
        public var fromTask: Bool

        public init(path: String, state: State, text: String? = nil, contains: String? = nil, fromTask: Bool = false) {
            self.path = path
            self.state = state
            self.text = text
            self.contains = contains
            self.fromTask = fromTask
        }
    }

    /// A value the answer states and where the run saw it.
    public struct ValueSource: Sendable, Codable, Hashable {
        public var value: String
        /// "task", "result of step N" (a tool's result), "count of step N" (its lines), or
        /// "nowhere" (made up: such a run is not judged a success).
        public var source: String

        public init(value: String, source: String) {
            self.value = value
            self.source = source
        }
    }
}
