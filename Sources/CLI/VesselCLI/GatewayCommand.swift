import ArgumentParser
import Foundation
import VesselBuild
import VesselGateway
import VesselImage
import VesselRegistry

/// `vessel gateway`: the site's image gateway, run by systemd (vessel-gateway.socket and
/// .service, as the `vessel` system user the packages make). SECURITY.md says what it trusts.
struct Gateway: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Convert public images once for every user of the site (a service, run by systemd).",
        discussion: """
        Listens on a UNIX socket (the one systemd's vessel-gateway.socket passes, else --socket) for \
        requests from vessel pull, resolve, exec and the Slurm plugin on this machine, when \
        /etc/vessel/vessel.conf says `gateway = SOCKET`. Each public image (docker://) is pulled \
        and converted once per digest into --cache, which only the gateway's user can write; \
        clients use the file only if that user (gateway-user, `vessel` by default) or root owns \
        it. Private images never go through it: a user with credentials for a registry converts \
        its images in their own cache. Who asked for what is logged on standard error, one line \
        a request. See vessel-gateway(8).
        """)

    @Option(help: ArgumentHelp("The socket to listen on when systemd passes none.", valueName: "PATH"))
    var socket: String?

    @Option(help: ArgumentHelp("The gateway's cache: a directory of its user's.", valueName: "DIR"))
    var cache = "/var/cache/vessel/gateway"

    @Option(help: "Conversions at once; more requests wait.")
    var conversions = 2

    @Option(help: ArgumentHelp("The cache's size, past which the least recently used images go (e.g. 200G).", valueName: "SIZE"))
    var maxBytes: String?

    func run() throws {
        try failing(as: "gateway") {
            guard conversions >= 1 else { throw ValidationError("--conversions must be at least 1") }
            let limit = try maxBytes.map { Int64(try parseSize($0)) }
            if getuid() == 0 {
                FileHandle.standardError.write(Data("vessel gateway: warning: running as root; run it as its own user (vessel-gateway.service does)\n".utf8))
            }
            let service = try GatewayService(cacheRoot: cache, registry: .standard(quiet: false), conversions: conversions, maximumBytes: limit)
            let server = try GatewayServer(socket: socket ?? SiteConfig.load().gateway, service: service)
            FileHandle.standardError.write(Data("vessel gateway: serving \(service.cache.root) (\(conversions) conversions at once\(limit.map { ", at most \($0) bytes" } ?? ""))\n".utf8))
            server.run()
        }
    }
}
