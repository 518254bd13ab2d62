// swift-tools-version:5.9
import PackageDescription
#if canImport(Glibc)
import Glibc
#endif

// Module map (one concern each), in folders by layer: Sources/{Basics,Image,Run,Slurm,CLI,Fuzz}/MODULE,
// each C shim beside the module it serves:
//   VesselBasics    small system helpers: the EINTR-safe syscall wrapper, files opened once (Glibc only)
//   VesselWire      what the CLI and the plugin agree on: the container-option table, the bind
//                   grammar, the serve announcement, Slurm's names (pure Swift, no Foundation)
//   VesselTree      the in-memory file tree a build produces (metadata only) and the sink file data goes to
//   VesselOCI       image sources (oci:, oci-archive:, docker-archive:), manifests, layer reading and merging
//   VesselRegistry  pulling from registries (docker://): the distribution API, authentication, retries
//   VesselSquashFS  SquashFS writing (libsquashfs) and reading
//   VesselImage     the image contract: /.vessel/ (RuntimeConfig, Provenance), Inspection, SiteConfig
//   VesselBuild     the converter: source -> merged tree -> SquashFS file, with /.vessel/ metadata and progress
//   VesselGateway   the image gateway: converts public images once for every user, over a UNIX socket
//   VesselSign      keys, image signatures (in the image's tail, or detached), the trust policy
//   VesselRuntime   running an image rootless: namespaces, the FUSE mount, the container's root, its init
//                   (no builder, registry or swift-crypto: vessel-cli checks signatures for it)
//   VesselPlacement choosing the Slurm partition for a job from an inventory (pure logic, no Slurm calls)
//   VesselSlurm     libslurm: inventory, will-run, submission, job state
//   VesselResults   collecting a job's results into the user's results directory (no libslurm)
//   VesselJobs      what vessel submit decides (SubmitPlan), where a job's results are
//   VesselSpankRequest the plugin's options and plugstack.conf arguments, as values
//   VesselSpank     the Slurm SPANK plugin (a dynamic library; CVesselSpank holds its C symbols)
//   VesselStart     the container-start command line both executables share (QuickStart, launch)
//   VesselCLI       the command-line interface (ArgumentParser commands, thin)
//   VesselFuzzing   fuzz targets over the parsers of untrusted bytes (manifests, layers, image files' wrappers)
//   vessel          the front users call: starts containers itself (static), hands the rest to vessel-cli
//   vessel-cli      every command (dynamically linked; beside vessel, or in libexec/vessel/)
// Not here: vessel-hostexec (Sources/Slurm/vessel-hostexec/main.c), a small static C program that
// scripts/lib/build-hostexec compiles with cc: SwiftPM links every executable through swiftc,
// which would put the Swift runtime (9 MB) into 47 lines of C.
/// lld can pack vessel-cli's ~90,000 relative relocations (those of the static Swift runtime
/// and Foundation) as DT_RELR: the dynamic loader applies them faster at every start. A program
/// so linked needs glibc 2.36 (GLIBC_ABI_DT_RELR), so they are packed only where the building
/// system's glibc has it, and never for a package (scripts/package sets VESSEL_PORTABLE=1), which
/// must start on the older glibc of RHEL 8/9 and Ubuntu 22.04 when built there.
var packedRelocations: [String] {
    #if canImport(Glibc)
    if getenv("VESSEL_PORTABLE") != nil { return [] }
    var text = [CChar](repeating: 0, count: 64)    // "glibc 2.36"
    _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count)
    let version = String(cString: text).split(whereSeparator: { $0 == " " || $0 == "." }).compactMap { Int($0) }
    if version.count >= 2, (version[0], version[1]) >= (2, 36) { return ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] }
    #endif
    return []
}

let package = Package(
    name: "vessel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vessel", targets: ["vessel"]),
        .executable(name: "vessel-cli", targets: ["vessel-cli"]),
        // The Slurm plugin: plugstack.conf loads libvessel-spank.so into srun, sbatch, salloc and slurmstepd.
        .library(name: "vessel-spank", type: .dynamic, targets: ["VesselSpank"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SHA-256 of every blob while it streams; Ed25519 image signatures (VesselSign).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Shared libraries opened on first use (libarchive, libcurl, libslurm): see vessel_dynamic.h.
        .target(name: "CDynamic", path: "Sources/Basics/CDynamic"),
        // libarchive (layer tars), loaded on first use: see vessel_archive.h.
        .target(name: "CArchive", dependencies: ["CDynamic"], path: "Sources/Image/CArchive"),
        // ISA-L's inflate for gzip layers (libisal-dev): about four times zlib's speed, which is
        // most of a conversion's CPU; loaded on first use like libarchive, with zlib as the fallback.
        .target(name: "CIsal", dependencies: ["CDynamic"], path: "Sources/Image/CIsal"),
        .systemLibrary(name: "CSquashFS", path: "Sources/Image/CSquashFS", pkgConfig: "libsquashfs1",
                       providers: [.apt(["libsquashfs-dev"])]),
        // libsquashfuse's FUSE operations, compiled apart: its configure macros clash with Swift's Glibc.
        .target(name: "CVesselFuse", path: "Sources/Run/CVesselFuse", linkerSettings: [
            .linkedLibrary("squashfuse_ll"), .linkedLibrary("squashfuse"), .linkedLibrary("fuse3"), .linkedLibrary("zstd"),
        ]),
        // Linux calls Swift cannot make (fork, vfork, variadic syscalls and ioctls, a seccomp filter).
        .target(name: "CLinux", path: "Sources/Run/CLinux"),
        // HTTP for registries: libcurl brings TLS with the system CA store, HTTP/2, proxies and
        // ranged requests, and is what Foundation's own URLSession sits on here. Loaded on first
        // use (vessel_curl.c), so that starting a container does not load its 30 libraries.
        .target(name: "CCurl", dependencies: ["CDynamic"], path: "Sources/Image/CCurl"),
        // libslurm: inventory, will-run estimates, submission, job state (vessel submit, jobs,
        // results), loaded on first use: see vessel_slurm.h.
        .target(name: "CSlurm", dependencies: ["CDynamic"], path: "Sources/Slurm/CSlurm"),
        // The SPANK plugin: exported symbols and variadic calls in C, the rest in Swift with its
        // standard library linked in, so that nodes need no Swift. spank_* resolve from the
        // Slurm process that loads it (do not link libslurm).
        .target(name: "CVesselSpank", path: "Sources/Slurm/CVesselSpank"),
        // The plugin's options and arguments as values (what srun, sbatch and plugstack.conf said),
        // apart from the plugin's glue so that unit tests can take them.
        .target(name: "VesselSpankRequest", dependencies: ["VesselWire"], path: "Sources/Slurm/VesselSpankRequest"),
        .target(name: "VesselSpank", dependencies: ["CVesselSpank", "CLinux", "VesselBasics", "VesselSpankRequest", "VesselWire"], path: "Sources/Slurm/VesselSpank",
                linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        // What the CLI and the plugin agree on: the container-option table, the bind grammar,
        // the serve announcement, Slurm's names for plugin options. Pure Swift, no Foundation,
        // so that the plugin links it.
        // Small system helpers every module uses: one EINTR-safe syscall wrapper, files opened
        // once, small files and the environment without Foundation. Glibc only.
        .target(name: "VesselBasics", path: "Sources/Basics/VesselBasics"),
        .target(name: "VesselWire", dependencies: ["VesselBasics"], path: "Sources/Basics/VesselWire"),
        .target(name: "VesselTree", path: "Sources/Image/VesselTree"),
        .target(name: "VesselOCI", dependencies: [
            "VesselBasics", "VesselTree", "CArchive", "CIsal",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Sources/Image/VesselOCI"),
        .target(name: "VesselRegistry", dependencies: ["VesselBasics", "VesselOCI", "CCurl"], path: "Sources/Image/VesselRegistry"),
        .target(name: "VesselSquashFS", dependencies: ["VesselTree", "CSquashFS"], path: "Sources/Image/VesselSquashFS"),
        // The image contract: what a Vessel image says about itself (/.vessel/: RuntimeConfig,
        // Provenance), reading it (Inspection, a .sif file's /.singularity.d too), and the site's
        // policy (SiteConfig). What running an image needs, without the builder or a registry.
        .target(name: "VesselImage", dependencies: ["VesselBasics", "VesselSquashFS"], path: "Sources/Image/VesselImage"),
        .target(name: "VesselBuild", dependencies: ["VesselBasics", "VesselImage", "VesselOCI", "VesselRegistry", "VesselSquashFS", "VesselTree", "VesselWire", "CArchive"], path: "Sources/Image/VesselBuild"),
        // The image gateway (`vessel gateway`): one trusted writer that converts public images
        // once for every user of a site, over a UNIX socket.
        .target(name: "VesselGateway", dependencies: ["CLinux", "VesselBasics", "VesselBuild", "VesselOCI", "VesselRegistry", "VesselWire"], path: "Sources/Image/VesselGateway"),
        .target(name: "VesselSign", dependencies: [
            "VesselImage", "VesselOCI", "VesselSquashFS",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ], path: "Sources/Image/VesselSign"),
        .target(name: "VesselRuntime", dependencies: ["VesselBasics", "VesselImage", "VesselSquashFS", "VesselWire", "CVesselFuse", "CLinux"], path: "Sources/Run/VesselRuntime"),
        .target(name: "VesselPlacement", path: "Sources/Slurm/VesselPlacement"),
        .target(name: "VesselSlurm", dependencies: ["VesselPlacement", "CSlurm"], path: "Sources/Slurm/VesselSlurm"),
        // A job's results: collected from a node's /results into the user's results directory
        // (as the user, by the plugin's epilog), with a manifest and provenance. No libslurm.
        .target(name: "VesselResults", dependencies: ["VesselBasics", "VesselOCI"], path: "Sources/Slurm/VesselResults"),
        // Jobs: what `vessel submit` decides (SubmitPlan, a value), where a job's results are.
        .target(name: "VesselJobs", dependencies: [
            "VesselBuild", "VesselImage", "VesselPlacement", "VesselResults", "VesselSlurm", "VesselSquashFS", "VesselWire",
        ], path: "Sources/Slurm/VesselJobs"),
        .target(name: "VesselStart", dependencies: ["VesselBasics", "VesselRuntime", "VesselWire"], path: "Sources/Run/VesselStart"),
        .target(name: "VesselCLI", dependencies: [
            "VesselBasics", "VesselStart", "VesselBuild", "VesselGateway", "VesselImage", "VesselOCI", "VesselRegistry", "VesselRuntime", "VesselSign", "VesselSquashFS",
            "VesselJobs", "VesselPlacement", "VesselResults", "VesselSlurm", "VesselWire",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/CLI/VesselCLI"),
        // The front (Sources/CLI/vessel/main.swift says why it is static). Static only in release
        // builds, which are made with --static-swift-stdlib (scripts/setup); debug builds, the
        // tests', link it like any program. Its C libraries then come from their static
        // archives, so name what libsquashfs and libsquashfuse need.
        .executableTarget(name: "vessel", dependencies: ["VesselBasics", "VesselStart"], path: "Sources/CLI/vessel", linkerSettings: [
            .unsafeFlags(["-static-executable", "-use-ld=lld"], .when(configuration: .release)),
            .linkedLibrary("zstd"), .linkedLibrary("lz4"), .linkedLibrary("lzma"), .linkedLibrary("z"), .linkedLibrary("lzo2"),
        ]),
        // Fuzz targets for what untrusted bytes reach (scripts/bench fuzz builds vessel-fuzz
        // with -sanitize=fuzzer; plainly built, it replays inputs).
        .target(name: "VesselFuzzing", dependencies: ["VesselOCI", "VesselTree", "VesselSquashFS", "VesselSign"], path: "Sources/Fuzz/VesselFuzzing"),
        .executableTarget(name: "vessel-fuzz", dependencies: ["VesselFuzzing"], path: "Sources/Fuzz/vessel-fuzz", linkerSettings: [.unsafeFlags(["-use-ld=lld"])]),
        .executableTarget(name: "vessel-cli", dependencies: ["VesselCLI"], path: "Sources/CLI/vessel-cli", linkerSettings: [
            // lld (shipped with Swift) links in seconds instead of a minute.
            .unsafeFlags(["-use-ld=lld"] + packedRelocations),
        ]),
        .testTarget(name: "VesselBasicsTests", dependencies: ["VesselBasics"]),
        .testTarget(name: "VesselTreeTests", dependencies: ["VesselTree"]),
        .testTarget(name: "VesselImageTests", dependencies: ["VesselImage", "VesselBasics"]),
        .testTarget(name: "VesselBuildTests", dependencies: ["VesselBuild", "VesselImage"]),
        .testTarget(name: "VesselOCITests", dependencies: ["VesselOCI", "VesselSquashFS", "CDynamic"]),
        .testTarget(name: "VesselRegistryTests", dependencies: ["VesselRegistry"]),
        .testTarget(name: "VesselRuntimeTests", dependencies: ["VesselRuntime"]),
        .testTarget(name: "VesselPlacementTests", dependencies: ["VesselPlacement"]),
        .testTarget(name: "VesselSlurmTests", dependencies: ["VesselSlurm"]),
        .testTarget(name: "VesselResultsTests", dependencies: ["VesselResults"]),
        .testTarget(name: "VesselSpankTests", dependencies: ["VesselSpankRequest", "VesselWire"]),
        .testTarget(name: "VesselSquashFSTests", dependencies: ["VesselSquashFS"]),
        .testTarget(name: "VesselSignTests", dependencies: ["VesselSign"]),
        .testTarget(name: "VesselEndToEndTests", dependencies: ["VesselWire"]),
        .testTarget(name: "VesselCLITests", dependencies: [
            "VesselCLI", "VesselStart", "VesselWire", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "VesselFuzzingTests", dependencies: ["VesselFuzzing"]),
    ]
)
