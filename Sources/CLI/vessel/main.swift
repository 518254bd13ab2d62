#if canImport(Glibc)
import Glibc
#endif
import VesselBasics
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

// vessel-cli: beside this program, or in ../libexec/vessel/ (PlainSystem.companion).
let cli = PlainSystem.companion("vessel-cli") ?? "vessel-cli"
var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
execv(cli, &argv)
let cause = String(cString: strerror(errno))
fputs("vessel: cannot run \(cli) (\(cause)): it runs every command but a plain exec, run or shell; install it beside vessel or in ../libexec/vessel/\n", stderr)
exit(127)
