import Foundation
import VesselImage
import XCTest

/// A container start reads /.vessel/config.json with PlainJSON (RuntimeConfig(json:)),
/// `vessel inspect` and the converter with Codable: the two must read alike.
final class RuntimeConfigTests: XCTestCase {
    func testReadsAsCodableDoes() throws {
        let documents = [
            #"{"env":["PATH=/usr/bin:/bin","LANG=C.UTF-8"],"entrypoint":["/entry.sh"],"cmd":["--flag","a b"],"workingDir":"/work","user":"1000:1000","labels":{"org.vessel.cuda":"12.2"},"stopSignal":"SIGINT","platform":"linux/amd64"}"#,
            #"{"env":[],"labels":{},"platform":"linux/arm64/v8"}"#,
            #"{"env":["A=1"],"entrypoint":null,"cmd":null,"workingDir":null,"user":null,"labels":{},"stopSignal":null,"platform":"linux/amd64"}"#,
            #"{"env":["Ü=ø","EMPTY="],"cmd":[],"labels":{"k":""},"platform":"linux/amd64","unknown":42}"#,
        ]
        for d in documents {
            let codable = try JSONDecoder().decode(RuntimeConfig.self, from: Data(d.utf8))
            XCTAssertEqual(try RuntimeConfig(json: Array(d.utf8)), codable, d)
        }
    }

    func testRefusesWhatCodableRefuses() {
        for d in [#"[]"#, #"{"labels":{},"platform":"p"}"#, #"{"env":"A=1","labels":{},"platform":"p"}"#,
                  #"{"env":[],"platform":"p"}"#, #"{"env":[],"labels":{}}"#, #"{"env":[1],"labels":{},"platform":"p"}"#, "{"] {
            XCTAssertThrowsError(try JSONDecoder().decode(RuntimeConfig.self, from: Data(d.utf8)), d)
            XCTAssertThrowsError(try RuntimeConfig(json: Array(d.utf8)), d)
        }
    }
}
