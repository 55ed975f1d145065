import ArgumentParser

/// The `warden` command line: thin commands that call the modules.
///
/// ```
/// warden serve --config warden.yaml
/// warden keys create --app app_… --json
/// ```
struct Warden: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "A self-hosted gateway for deploying language models responsibly.",
        subcommands: [
            // Keep one line per command; each command lives in its own file.
            ServeCommand.self,
            MigrateCommand.self,
            OrgsCommand.self,
            LimitsCommand.self,
            PolicyCommand.self,
            AppsCommand.self,
            KeysCommand.self,
            ClassifyCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            RedteamCommand.self,
            FilterCommand.self,
        ]
    )
}
