// vessel-fuzz: libFuzzer's driver over VesselFuzzing's targets (Entry.swift), when built by
// `scripts/bench fuzz` with -sanitize=fuzzer and -DFUZZING. Built plainly, it replays inputs:
//     vessel-fuzz manifest|layer|imagefile FILE...
import Foundation
import VesselFuzzing

#if FUZZING
/// libFuzzer's driver (compiler-rt), for programs that have a main of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
    }
}
#else
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let name = args.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: vessel-fuzz manifest|layer|imagefile FILE...\n".utf8))
            exit(2)
        }
        for file in args.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("vessel-fuzz: \(file): cannot read it\n".utf8))
                exit(1)
            }
            target.run(Array(data))
        }
    }
}
#endif
