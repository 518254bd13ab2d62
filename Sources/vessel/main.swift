#if canImport(Glibc)
import Glibc
#endif
import VesselStart

// `vessel`, the front: it starts containers itself and hands every other command line to
// `vessel-cli`, installed beside it. The front is linked fully static and without position-
// independent code, which makes a start ~5 ms quicker (no dynamic loading, no relocations to
// apply, a cheaper fork; BENCHMARKS.md "run"). That trade of address-space randomisation is
// made only where the image's own code is about to run as the user anyway; vessel-cli, which
// reads untrusted layers and registry replies and opens libarchive, libcurl and libslurm on
// demand, stays an ordinary position-independent, dynamically linked program.

let arguments = CommandLine.arguments
if let start = QuickStart(Array(arguments.dropFirst())) { start.run() }

/// vessel-cli's path, from this program's real file (symbolic links to it followed): beside it
/// in a build directory, or in ../libexec/vessel/ as a package installs it (/usr/bin/vessel,
/// /usr/libexec/vessel/vessel-cli).
func cliPath() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
    guard n > 0 else { return nil }
    let exe = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = exe.lastIndex(of: "/") else { return nil }
    let dir = String(exe[...slash])
    let candidates = [dir + "vessel-cli", dir + "../libexec/vessel/vessel-cli"]
    return candidates.first { access($0, X_OK) == 0 } ?? candidates[0]
}

let cli = cliPath() ?? "vessel-cli"
var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
execv(cli, &argv)
let cause = String(cString: strerror(errno))
fputs("vessel: cannot run \(cli) (\(cause)): it runs every command but a plain exec, run or shell; install it beside vessel or in ../libexec/vessel/\n", stderr)
exit(127)
