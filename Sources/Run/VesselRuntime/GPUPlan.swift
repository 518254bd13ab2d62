import VesselBasics
import Glibc

/// What `--nv` brings into the container: the NVIDIA driver's libraries and programs from the
/// host. The device nodes (/dev/nvidia*, nvidiactl, nvidia-uvm*, nvidia-caps) are there
/// already, with the host's /dev.
public struct GPUPlan: Equatable, Sendable {
    public static let libraryDirectory = "/usr/local/nvidia/lib64"
    public static let binaryDirectory = "/usr/local/nvidia/bin"

    /// (path on the host, path in the container)
    public private(set) var files: [Pair] = []
    public private(set) var devices: [String] = []

    public struct Pair: Equatable, Sendable {
        public let host: String
        public let container: String
    }

    public var hasDriver: Bool { files.contains { $0.container.hasPrefix(Self.libraryDirectory + "/libcuda.so") } }

    public init(names: [String], cache: LdSoCache, hostPath: String, devDirectory: String = "/dev") {
        var seen = Set<String>()
        for name in names {
            if name.containsText(".so") {
                for lib in cache.find(name) where seen.insert(lib.soname).inserted {
                    files.append(Pair(host: lib.path, container: Self.libraryDirectory + "/" + lib.soname))
                }
            } else if let path = Self.which(name, in: hostPath), seen.insert(name).inserted {
                files.append(Pair(host: path, container: Self.binaryDirectory + "/" + name))
            }
        }
        let entries = PlainSystem.directoryNames(devDirectory) ?? []
        devices = entries.filter { $0.hasPrefix("nvidia") }.sorted().map { devDirectory + "/" + $0 }
    }

    /// The list in nvliblist.conf form: names, one a line, # comments.
    public static func names(from text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmed() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// VESSEL_NVLIBLIST, else /etc/vessel/nvliblist.conf, else the built-in list (etc/nvliblist.conf).
    public static func configuredNames(environment: [String: String]) -> [String] {
        for path in [environment["VESSEL_NVLIBLIST"], "/etc/vessel/nvliblist.conf"].compactMap({ $0 }) {
            if let text = PlainSystem.readText(path) { return names(from: text) }
        }
        return builtIn
    }

    /// Kept equal to etc/nvliblist.conf by a test.
    public static let builtIn = [
        "nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control", "nvidia-cuda-mps-server",
        "libcuda.so", "libcudadebugger.so", "libEGL_nvidia.so", "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so",
        "libGLX_nvidia.so", "libnvcuvid.so", "libnvidia-allocator.so", "libnvidia-cfg.so", "libnvidia-compiler.so",
        "libnvidia-eglcore.so", "libnvidia-encode.so", "libnvidia-fatbinaryloader.so", "libnvidia-glcore.so",
        "libnvidia-glsi.so", "libnvidia-glvkspirv.so", "libnvidia-gpucomp.so", "libnvidia-gtk3.so", "libnvidia-ml.so",
        "libnvidia-ngx.so", "libnvidia-nvvm.so", "libnvidia-opencl.so", "libnvidia-opticalflow.so",
        "libnvidia-ptxjitcompiler.so", "libnvidia-rtcore.so", "libnvidia-tls.so", "libnvoptix.so", "libvdpau_nvidia.so",
    ]

    static func which(_ name: String, in path: String) -> String? {
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }

    /// Variables the container gets with --nv: the library and program directories, and the
    /// GPUs Slurm allocated when only Slurm or NVIDIA_VISIBLE_DEVICES said which.
    public func environment(host: [String: String], image: EnvironmentPlan) -> [String: String] {
        var env: [String: String] = [:]
        let ld = image["LD_LIBRARY_PATH"].map { Self.libraryDirectory + ":" + $0 } ?? Self.libraryDirectory
        env["LD_LIBRARY_PATH"] = ld
        env["PATH"] = (image["PATH"] ?? EnvironmentPlan.defaultPath) + ":" + Self.binaryDirectory
        if host["CUDA_VISIBLE_DEVICES"] == nil {
            if let nv = host["NVIDIA_VISIBLE_DEVICES"], nv != "all" { env["CUDA_VISIBLE_DEVICES"] = nv }
            else if let slurm = host["SLURM_JOB_GPUS"] ?? host["SLURM_STEP_GPUS"] { env["CUDA_VISIBLE_DEVICES"] = slurm }
        } else {
            env["CUDA_VISIBLE_DEVICES"] = host["CUDA_VISIBLE_DEVICES"]
        }
        return env
    }
}
