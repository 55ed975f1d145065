import ArgumentParser
import Classifier
import Foundation
import Gateway
import Logging
import SentenceEncoder
import Store
import WardenCore

/// `warden serve`: runs the gateway until SIGTERM or SIGINT, then drains requests and flushes usage.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the gateway.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Override server.port from the configuration.")
    var port: Int?

    func run() async throws {
        Logs.bootstrap()
        let logger = Logger(label: "warden")
        var (config, store) = try options.openStore()
        if let port { config.server.port = port }
        let classifier = try loadClassifier(config, logger: logger)
        let host = config.server.host
        let models = config.upstreams.flatMap { $0.models.map(\.name) }
        let gateway = Gateway(config: config, store: store, classifier: classifier, logger: logger) { port in
            logger.info("warden listening", metadata: ["address": "http://\(host):\(port)", "models": "\(models)"])
        }
        try await gateway.application.runService()
    }

    private func loadClassifier(_ config: WardenConfig, logger: Logger) throws -> (any TextClassifying)? {
        do {
            let classifier = try config.moderation.model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
            logger.info("classifier loaded", metadata: ["model": "\(classifier.modelName)"])
            guard let tier = config.moderation.precise else { return classifier }
            // An explicit precise tier must load: no silent fallback to the fast tier.
            let precise = try loadPreciseClassifier(model: tier.model, encoder: tier.encoder)
            let escalation = Escalation(rawValue: tier.escalation) ?? .uncertain
            logger.info("precise tier loaded", metadata: ["model": "\(precise.modelName)", "escalation": "\(escalation.rawValue)"])
            return TieredClassifier(fast: classifier, precise: precise, escalation: escalation, lower: tier.band[0], upper: tier.band[1])
        } catch {
            if config.moderation.model != nil || config.moderation.precise != nil { throw error }
            if config.policy != nil {
                throw ValidationError("the 'policy:' section screens requests with the built-in classifier, which did not load: \(error)")
            }
            logger.warning("no classifier model found; /v1/moderations answers 503", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// `warden migrate`: creates or updates the store's schema and lists the applied migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or update the store's schema.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, store) = try options.openStore()
        print("store: \(config.store.sqlite)")
        for name in try store.appliedMigrations() { print("applied: \(name)") }
    }
}
