import VesselImage
import VesselOCI

extension RuntimeConfig {
    /// What an OCI image's configuration says about running it, as /.vessel/config.json keeps it.
    public init(_ image: ResolvedImage) {
        self.init(env: [], entrypoint: nil, labels: [:], platform: image.platform.description)
        let c = image.config.config
        env = c?.Env ?? []
        entrypoint = c?.Entrypoint
        cmd = c?.Cmd
        workingDir = c?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 }
        user = c?.User.flatMap { $0.isEmpty ? nil : $0 }
        labels = c?.Labels ?? [:]
        stopSignal = c?.StopSignal
        let v = (c?.Volumes ?? [:]).keys.filter { $0.hasPrefix("/") }.sorted()
        volumes = v.isEmpty ? nil : v
    }
}
