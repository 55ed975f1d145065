import ArgumentParser
import Foundation
import Gateway
import Policy
import Store
import WardenCore

/// `warden policy show|validate|set|reset`: the platform policy in force and apps'
/// customizations. A customization is validated against the bounds (every violation listed with
/// its line), stored as a new version and audited; a running gateway applies it within
/// `key_refresh_seconds`.
///
/// ```
/// warden policy validate --file fiction.yaml
/// warden policy set --app app_… --file fiction.yaml --reason "fiction app: violence up to its bound"
/// warden policy show --app app_…
/// ```
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show the content policy; validate, set or reset an app's customization.",
        subcommands: [Show.self, Validate.self, SetPolicy.self, Reset.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The platform policy's versions, or an app's effective policy.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "An app (app_…): its customization versions and effective policy.") var app: String?

        func run() async throws {
            let (config, store) = try options.openStore()
            let platform = try platformPolicy(config)
            if let app {
                for v in try await store.policyVersions(scope: app) {
                    print("app version \(v.number) \(v.createdAt.ISO8601Format()) by \(v.author): \(v.reason)")
                }
                try printJSON(try await AppPolicies.effective(appId: app, platform: platform, store: store))
            } else {
                for v in try await store.policyVersions(scope: PolicyVersionRecord.platformScope) {
                    print("platform version \(v.number) \(v.createdAt.ISO8601Format()) by \(v.author): \(v.reason) \(v.changes)")
                }
                print(PolicyDocument.json(platform))
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check an app customization (YAML or JSON) against the platform's bounds.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The customization file.") var file: String

        func run() async throws {
            let platform = try platformPolicy(try options.load())
            do {
                _ = try PolicyDocument.loadApp(path: file, against: platform)
                print("\(file): within the platform's bounds")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(65)
            }
        }
    }

    struct SetPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Store a new version of an app's customization (validated, audited).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The app (app_…).") var app: String
        @Option(help: "The customization file (YAML or JSON).") var file: String
        @Option(help: "Why (kept with the version and in the audit log).") var reason: String

        func run() async throws {
            let (config, store) = try options.openStore()
            let platform = try platformPolicy(config)
            let policy: AppPolicy
            do { policy = try PolicyDocument.loadApp(path: file, against: platform) } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(65)
            }
            let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: config.security.keySecret))
            let version = try await AppPolicies.set(policy, appId: app, reason: reason, actor: cliActor, directory: directory)
            print("\(app): policy version \(version.number)")
            (try? JSONDecoder().decode([String].self, from: Data(version.changes.utf8)))?.forEach { print("  \($0)") }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an app's customization (the platform defaults apply), as a new version.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The app (app_…).") var app: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            let version = try await AppPolicies.set(nil, appId: app, reason: reason, actor: cliActor, directory: try options.directory())
            print("\(app): policy version \(version.number) (platform defaults)")
        }
    }
}

private func platformPolicy(_ config: WardenConfig) throws -> PlatformPolicy {
    guard let policy = config.policy else { throw ValidationError("the configuration has no 'policy:' section") }
    return try policy.platform()
}
