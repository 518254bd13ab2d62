import Crypto
import Foundation
import VesselImage
import VesselOCI
import VesselSquashFS

/// Signatures kept in the image file itself, after the SquashFS data, which every SquashFS reader
/// ignores (the kernel, squashfuse and unsquashfs read `bytes_used` bytes): the file stays one
/// file and still mounts everywhere. The tail of the file is
///
///     [SquashFS: bytes_used bytes][padding][JSON {"signatures": [...]}][trailer, 24 bytes]
///
/// where the trailer is "VSLSIG01", the JSON's offset and its length (little-endian u64). Each
/// signature is Ed25519 over a payload naming the SHA-256 of the SquashFS bytes (which hold
/// /.vessel/, so any changed byte fails verification) and the SHA-256 of the image's provenance
/// as decoded and encoded again with sorted keys (`ImageContent`): a check that the signed
/// provenance is the one inspection shows, not a hash of provenance.json's own bytes.
public struct SignatureRecord: Codable, Sendable {
    /// The exact bytes signed (JSON of `Payload`), base64.
    public var payload: String
    public var signature: String
    public var publicKey: String
    public var signer: String

    public struct Payload: Codable, Sendable {
        public var format = "vessel-signature-1"
        public var imageSHA256: String
        public var imageBytes: UInt64
        public var provenanceSHA256: String?
        public var keyID: String
        public var signer: String
        public var signedAt: String
    }

    public var decodedPayload: Payload? {
        Data(base64Encoded: payload).flatMap { try? JSONDecoder().decode(Payload.self, from: $0) }
    }
}

struct SignatureFile: Codable {
    var signatures: [SignatureRecord]
}

/// What a file's SquashFS part is: its size by the super block, its digest, its provenance.
struct ImageContent {
    let bytesUsed: UInt64
    let sha256: String
    let provenanceSHA256: String?
    let provenance: Provenance?

    init(path: String) throws {
        guard access(path, R_OK) == 0 else { throw SignError.io(path, reason: "cannot open it") }
        // A signature covers a plain SquashFS file's image part (a .sif file has signatures of its own).
        let region: ImageRegion, summary: SquashFSReader.Summary
        do { (region, summary) = try SquashFSImage.superBlock(path: path) } catch let e as SquashFSError {
            // A super block whose tables lie outside the bytes it says it has is refused with why.
            if case .notSquashFS(_, let reason) = e, reason.hasPrefix("its ") { throw SignError.io(path, reason: reason + "; refused") }
            throw SignError.notSquashFS(path)
        }
        guard !region.isSIF else { throw SignError.notSquashFS(path) }
        bytesUsed = summary.bytesUsed
        // The super block is the image's to state: a size past Int64.max is no file's.
        let length = Int64(exactly: bytesUsed) ?? Int64.max
        let (digest, hashed) = try VesselOCI.Digest.of(file: path, length: length)
        guard hashed == length else {
            throw SignError.invalid(path, reason: "the file is shorter than its SquashFS super block says (truncated)")
        }
        sha256 = digest.hex
        let inspection = try? Inspection(path: path)
        provenance = inspection?.provenance
        if let p = inspection?.provenance, let bytes = try? JSONEncoder.stable.encode(p) {
            provenanceSHA256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        } else {
            provenanceSHA256 = nil
        }
    }
}

enum SignatureStore {
    static let magic = Data("VSLSIG01".utf8)

    /// The signatures in the file's tail, and where that tail starts (the file's end when none).
    static func read(_ path: String) throws -> ([SignatureRecord], UInt64) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw SignError.io(path, reason: "cannot open it") }
        defer { try? h.close() }
        let size = try h.seekToEnd()
        guard size >= 24 else { return ([], size) }
        try h.seek(toOffset: size - 24)
        let t = try h.read(upToCount: 24) ?? Data()
        guard t.prefix(8) == magic else { return ([], size) }
        let offset = t.subdata(in: 8..<16).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        let length = t.subdata(in: 16..<24).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        // Subtracted, not added: a crafted offset and length may sum past UInt64.max.
        guard offset <= size - 24, length == size - 24 - offset else { throw SignError.invalid(path, reason: "the signature block is damaged") }
        try h.seek(toOffset: offset)
        let json = try h.read(upToCount: Int(length)) ?? Data()
        guard let file = try? JSONDecoder().decode(SignatureFile.self, from: json) else {
            throw SignError.invalid(path, reason: "the signature block is damaged")
        }
        return (file.signatures, offset)
    }

    static func encode(_ records: [SignatureRecord]) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(SignatureFile(signatures: records))
    }

    /// Replaces the file's signature tail (the SquashFS bytes are never touched).
    static func write(_ records: [SignatureRecord], to path: String, at offset: UInt64) throws {
        let json = try encode(records)
        var tail = json
        tail.append(magic)
        var o = offset.littleEndian, l = UInt64(json.count).littleEndian
        tail.append(Data(bytes: &o, count: 8))
        tail.append(Data(bytes: &l, count: 8))
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SignError.io(path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let ok = tail.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) == $0.count }
            && ftruncate(fd, off_t(offset) + off_t(tail.count)) == 0 && fsync(fd) == 0
        guard ok else { throw SignError.io(path, reason: String(cString: strerror(errno))) }
    }
}

/// One verified signature.
public struct VerifiedSignature: Sendable, Codable {
    public let signer: String
    public let keyID: String
    public let signedAt: String
    public let trusted: Bool
}

public enum ImageSigner {
    /// Signs the image (in its tail, or into `detached`). Returns the signer's key.
    public static func sign(_ path: String, keys: KeyStore, keyName: String?, passphrase: () -> String?, detached: String?) throws -> PublicKey {
        let content = try ImageContent(path: path)
        let (key, name) = try keys.privateKey(name: keyName, passphrase: passphrase)
        let pub = PublicKey(raw: key.publicKey.rawRepresentation, name: name)
        let payload = SignatureRecord.Payload(imageSHA256: content.sha256, imageBytes: content.bytesUsed,
                                              provenanceSHA256: content.provenanceSHA256, keyID: pub.id, signer: name,
                                              signedAt: ISO8601DateFormatter().string(from: Date()))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let bytes = try enc.encode(payload)
        let record = SignatureRecord(payload: bytes.base64EncodedString(), signature: try key.signature(for: bytes).base64EncodedString(),
                                     publicKey: pub.raw.base64EncodedString(), signer: name)
        if let detached {
            let existing = (FileManager.default.contents(atPath: detached)).flatMap { try? JSONDecoder().decode(SignatureFile.self, from: $0) }?.signatures ?? []
            try KeyStore.write(try SignatureStore.encode(existing + [record]), to: detached, mode: 0o644)
        } else {
            let (records, offset) = try SignatureStore.read(path)
            try SignatureStore.write(records.filter { $0.publicKey != record.publicKey } + [record], to: path, at: offset)
        }
        return pub
    }

    /// Checks every signature; throws if any fails, or if none is by a key in `trusted` (when given).
    public static func verify(_ path: String, detached: String? = nil, trusted: [PublicKey]?) throws -> (signatures: [VerifiedSignature], provenance: Provenance?) {
        let records: [SignatureRecord]
        if let detached {
            guard let data = FileManager.default.contents(atPath: detached), let file = try? JSONDecoder().decode(SignatureFile.self, from: data) else {
                throw SignError.invalid(detached, reason: "not a Vessel signature file")
            }
            records = file.signatures
        } else {
            records = try SignatureStore.read(path).0
        }
        guard !records.isEmpty else { throw SignError.unsigned(path) }
        let content = try ImageContent(path: path)
        var verified: [VerifiedSignature] = []
        for r in records {
            guard let raw = Data(base64Encoded: r.publicKey), let payloadBytes = Data(base64Encoded: r.payload),
                  let sig = Data(base64Encoded: r.signature), let p = r.decodedPayload else {
                throw SignError.invalid(path, reason: "a signature by \(r.signer) is damaged")
            }
            let key = PublicKey(raw: raw, name: r.signer)
            guard key.isValidSignature(sig, for: payloadBytes) else {
                throw SignError.invalid(path, reason: "the signature by \(r.signer) (key \(key.id)) does not match its own record")
            }
            guard p.imageSHA256 == content.sha256, p.imageBytes == content.bytesUsed else {
                throw SignError.invalid(path, reason: "the image was altered after \(r.signer) (key \(key.id)) signed it: its SquashFS bytes differ")
            }
            guard p.provenanceSHA256 == content.provenanceSHA256 else {
                throw SignError.invalid(path, reason: "the provenance differs from what \(r.signer) (key \(key.id)) signed")
            }
            verified.append(VerifiedSignature(signer: r.signer, keyID: key.id, signedAt: p.signedAt,
                                              trusted: trusted?.contains { $0.raw == raw } ?? false))
        }
        if let trusted, !verified.contains(where: \.trusted) {
            throw SignError.untrusted(path, reason: "signed by \(verified.map { "\($0.signer) (key \($0.keyID))" }.joined(separator: ", ")), none of them a trusted key" + (trusted.isEmpty ? " (no key is trusted: vessel key import)" : ""))
        }
        return (verified, content.provenance)
    }
}

/// `require-signature` in vessel.conf: exec, run, shell and the Slurm plugin run only images
/// signed by a trusted key.
public enum TrustPolicy {
    public static func check(_ path: String, config: SiteConfig = .load(), keys: KeyStore? = nil) throws {
        guard config.requireSignature else { return }
        do {
            _ = try ImageSigner.verify(path, trusted: (keys ?? KeyStore()).trusted(by: config))
        } catch SignError.unsigned(let p) {
            throw SignError.untrusted(p, reason: "not signed, and this site requires a signature from a trusted key (require-signature in vessel.conf)")
        } catch SignError.untrusted(let p, let reason) where config.trust == .site {
            throw SignError.untrusted(p, reason: reason + "; this site trusts only its own keys (/etc/vessel/trusted, trust = site in \(SiteConfig.siteFile))")
        }
    }
}
