import ArgumentParser
import Foundation
import Store
import WardenCore

/// `warden orgs create|list`.
struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "orgs", abstract: "Manage organizations.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Option(help: "Name of the organization.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let org = try await options.directory().createOrg(name: name, actor: cliActor)
            if json { try printJSON(org) } else { print("created \(org.id) \(org.name)") }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let orgs = try await options.directory().store.orgs()
            if json { return try printJSON(orgs) }
            printTable(["ID", "NAME", "CREATED"], orgs.map { [$0.id, $0.name, $0.createdAt.ISO8601Format()] })
        }
    }
}

/// `warden apps create|list`.
struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps", abstract: "Manage applications.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Option(help: "Organization that owns the app (org_…).") var org: String
        @Option(help: "Name of the app.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let app = try await options.directory().createApp(orgId: org, name: name, actor: cliActor)
            if json { try printJSON(app) } else { print("created \(app.id) \(app.name) in \(app.orgId)") }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only apps of this organization.") var org: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let apps = try await options.directory().store.apps(orgId: org)
            if json { return try printJSON(apps) }
            printTable(["ID", "ORG", "NAME", "CREATED"], apps.map { [$0.id, $0.orgId, $0.name, $0.createdAt.ISO8601Format()] })
        }
    }
}

/// `warden keys create|list|revoke`. A created key is printed once; only its hash is stored.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Option(help: "App the key belongs to (app_…).") var app: String
        @Option(help: "A name for the key.") var name = "default"
        @Flag(help: "Print JSON: {\"id\": \"key_…\", \"key\": \"wdn-…\", …}.") var json = false

        func run() async throws {
            let (record, key) = try await options.directory().createKey(appId: app, name: name, actor: cliActor)
            if json {
                try printJSON(["id": record.id, "key": key, "prefix": record.prefix, "app_id": record.appId, "org_id": record.orgId])
            } else {
                print("created \(record.id) for \(record.appId)")
                print("key: \(key)")
                print("Store it now: Warden keeps only its hash and cannot show it again.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only keys of this app.") var app: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let keys = try await options.directory().store.keys(appId: app).map(TenantDirectory.redacted)
            if json { return try printJSON(keys) }
            printTable(["ID", "PREFIX", "APP", "NAME", "STATE"], keys.map { [$0.id, $0.prefix + "…", $0.appId, $0.name, $0.isRevoked ? "revoked" : "active"] })
        }
    }

    struct Revoke: AsyncParsableCommand {
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key to revoke (key_…).") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let record = try await options.directory().revokeKey(id: id, actor: cliActor)
            if json { try printJSON(TenantDirectory.redacted(record)) } else { print("revoked \(record.id)") }
        }
    }
}
