import ArgumentParser
import NexusRuntime

@main
struct Nexus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexus",
        abstract: "An autonomous agent runtime for local and remote LLMs.",
        version: NexusVersion.description,
        subcommands: [ServeCommand.self, RunCommand.self, RunsCommand.self, TracesCommand.self, CrystallizeCommand.self, TeachCommand.self,
                      ExportCommand.self, MemoryCommand.self, FeedbackCommand.self, ModulesCommand.self,
                      GraphCommand.self, VerifyCommand.self, LedgerCommand.self, ModelsCommand.self, GenerateCommand.self,
                      ChatCommand.self, BenchCommand.self, KeysCommand.self, OrgsCommand.self, CredentialsCommand.self, AuditCommand.self, UsageCommand.self,
                      LimitsCommand.self, MCPCommand.self, GatewayCommand.self]
    )
}
