import Foundation
import VesselFuzzing

/// The target, chosen once from VESSEL_FUZZ_TARGET.
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["VESSEL_FUZZ_TARGET"] ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("vessel-fuzz: set VESSEL_FUZZ_TARGET to manifest, layer or imagefile\n".utf8))
        exit(2)
    }
    return t
}()

/// One input: what libFuzzer's driver calls (Replay.swift).
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
