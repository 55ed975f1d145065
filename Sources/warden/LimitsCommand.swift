import ArgumentParser
import Foundation
import Gateway
import Limits
import Store
import WardenCore

/// `warden limits show|tier|override|overrides|remove-override`: usage and remaining budgets,
/// tier assignments and temporary overrides, from the store (a running gateway picks changes up
/// within `key_refresh_seconds`). Every change is audited.
///
/// ```
/// warden limits show --org org_…
/// warden limits tier --org org_… --tier production --budget-mode soft
/// warden limits override --app app_… --requests-per-minute 600 --expires-in 3600 --reason "launch day"
/// ```
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits", abstract: "Show usage against limits; assign tiers; grant temporary overrides.",
        subcommands: [Show.self, SetTier.self, Override.self, Overrides.self, RemoveOverride.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An org's limits, usage and remaining budgets (with its apps and keys).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The org (org_…).") var org: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (config, store) = try options.openStore()
            let report = try await LimitsReport.build(orgId: org, store: store, config: try limitsConfig(config), now: Date(), live: nil)
            if json { return try printJSON(report) }
            let scopes = [report.org] + report.apps + report.keys
            printTable(["SCOPE", "ID", "TIER", "RPM", "TPM", "DAY TOKENS", "MONTH TOKENS", "MONTH SPEND", "MODE"], scopes.map { s in
                [s.level, s.id, s.tier ?? "-", s.limits.requestsPerMinute.map(String.init) ?? "-", s.limits.tokensPerMinute.map(String.init) ?? "-",
                 used(s.used.dayTokens, of: s.limits.dailyTokens), used(s.used.monthTokens, of: s.limits.monthlyTokens),
                 money(s.used.monthSpendMicros, of: s.limits.monthlySpendMicros), s.budgetMode]
            })
            for s in scopes { for o in s.overrides { print("override \(o.id) on \(o.level) \(o.targetId): \(o.limits) until \(o.expiresAt?.ISO8601Format() ?? "removed") (\(o.reason))") } }
        }

        func used(_ n: Int, of limit: Int?) -> String { limit.map { "\(n) / \($0)" } ?? "\(n)" }
        func money(_ micros: Int64, of limit: Int64?) -> String {
            limit.map { "\(Money.text(micros)) / \(Money.text($0))" } ?? Money.text(micros)
        }
    }

    struct SetTier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tier", abstract: "Assign a tier to an org or an app.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The org (org_…).") var org: String?
        @Option(help: "The app (app_…).") var app: String?
        @Option(help: "The tier; omit to fall back (org: the default tier, app: its org's).") var tier: String?
        @Option(help: "Org only: hard (reject when spent) or soft (alert only).") var budgetMode: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (org == nil) != (app == nil) else { throw ValidationError("name exactly one of --org and --app") }
            if app != nil, budgetMode != nil { throw ValidationError("--budget-mode applies to orgs") }
            if let budgetMode, BudgetMode(rawValue: budgetMode) == nil { throw ValidationError("--budget-mode must be hard or soft") }
        }

        func run() async throws {
            let (config, store) = try options.openStore()
            let limits = try limitsConfig(config)
            if let tier, limits.tiers[tier] == nil {
                throw ValidationError("unknown tier '\(tier)' (tiers: \(limits.tiers.keys.sorted().joined(separator: ", ")))")
            }
            let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: config.security.keySecret))
            if let org {
                let updated = try await directory.setOrgLimits(id: org, tier: tier, budgetMode: budgetMode, actor: cliActor)
                if json { try printJSON(updated) } else { print("\(updated.id): tier \(updated.tier ?? "(default)"), budgets \(updated.budgetMode ?? "(default)")") }
            } else if let app {
                let updated = try await directory.setAppTier(id: app, tier: tier, actor: cliActor)
                if json { try printJSON(updated) } else { print("\(updated.id): tier \(updated.tier ?? "(the org's)")") }
            }
        }
    }

    struct Override: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Override limits of an org, app or key, until removed or for a while.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The org (org_…).") var org: String?
        @Option(help: "The app (app_…).") var app: String?
        @Option(help: "The key (key_…).") var key: String?
        @Option var requestsPerMinute: Int?
        @Option var tokensPerMinute: Int?
        @Option var concurrentRequests: Int?
        @Option var dailyTokens: Int?
        @Option var monthlyTokens: Int?
        @Option(help: "Monthly spend budget in currency units.") var monthlySpend: Double?
        @Option var maxTokens: Int?
        @Option(help: "Seconds until the override expires (default: until removed).") var expiresIn: Int?
        @Option(help: "Why (kept in the audit log).") var reason: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let targets = [("org", org), ("app", app), ("key", key)].compactMap { level, id in id.map { (level, $0) } }
            guard targets.count == 1, let (level, id) = targets.first else { throw ValidationError("name exactly one of --org, --app and --key") }
            let limits = LimitSet(requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute, concurrentRequests: concurrentRequests,
                                  dailyTokens: dailyTokens, monthlyTokens: monthlyTokens,
                                  monthlySpendMicros: monthlySpend.map(Money.micros), maxTokens: maxTokens)
            guard limits != .unlimited else { throw ValidationError("give at least one limit (e.g. --requests-per-minute 600)") }
            if let problem = limits.problems().first { throw ValidationError(problem) }
            if let expiresIn, expiresIn <= 0 { throw ValidationError("--expires-in must be positive") }
            let record = try await options.directory().addLimitOverride(
                level: level, targetId: id, limits: OverrideInput.json(limits),
                expiresAt: expiresIn.map { Date().addingTimeInterval(TimeInterval($0)) }, reason: reason, actor: cliActor)
            if json { try printJSON(record) } else { print("created \(record.id) on \(level) \(id): \(record.limits)") }
        }
    }

    struct Overrides: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List overrides (expired ones too).")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let all = try await options.directory().store.limitOverrides()
            if json { return try printJSON(all) }
            printTable(["ID", "SCOPE", "TARGET", "LIMITS", "EXPIRES", "BY", "REASON"], all.map {
                [$0.id, $0.level, $0.targetId, $0.limits, $0.expiresAt?.ISO8601Format() ?? "-", $0.createdBy, $0.reason]
            })
        }
    }

    struct RemoveOverride: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-override", abstract: "Remove an override at once.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The override (lim_…).") var id: String

        func run() async throws {
            let removed = try await options.directory().removeLimitOverride(id: id, actor: cliActor)
            print("removed \(removed.id) from \(removed.level) \(removed.targetId)")
        }
    }
}

private func limitsConfig(_ config: WardenConfig) throws -> LimitsConfig {
    guard let limits = config.limits else { throw ValidationError("the configuration has no 'limits:' section") }
    return limits
}
