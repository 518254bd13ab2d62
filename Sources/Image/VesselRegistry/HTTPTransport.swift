import CCurl
import Foundation
import VesselBasics

/// One HTTP exchange: no redirects followed (the client decides what a redirect may carry),
/// headers collected, the body handed to a sink on success or kept (bounded) for an error message.
struct HTTPRequest {
    var method = "GET"
    var url: String
    var headers: [String: String] = [:]
    /// Bytes already held: asks for `Range: bytes=N-`.
    var resumeFrom: Int64 = 0
    /// What a PUT, POST or PATCH sends.
    var body: HTTPBody?
}

/// A request body: bytes in memory, or part of an open file (a blob pushed in chunks).
enum HTTPBody {
    case bytes([UInt8])
    case file(fd: Int32, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .bytes(let b): return Int64(b.count)
        case .file(_, _, let length): return length
        }
    }
}

struct HTTPResponse {
    var status = 0
    /// Lower-case names.
    var headers: [String: String] = [:]
    /// The body when no sink took it (errors, small documents), at most `keepLimit` bytes.
    var body: [UInt8] = []

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) }
}

/// A failure below HTTP: connecting, TLS, the connection dropping.
struct TransportError: Error {
    let code: CURLcode
    let message: String

    /// Worth another attempt: the network or the server may recover.
    var isTransient: Bool {
        [CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_SEND_FAIL_REWIND,
         CURLE_RECV_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM].contains(code)
    }

    var isTLS: Bool {
        [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
         CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH].contains(code)
    }

    /// A TLS handshake with a server that speaks plain HTTP fails this way.
    var isNotTLSServer: Bool { code == CURLE_SSL_CONNECT_ERROR }
}

/// A libcurl easy handle: not shared between threads, reused so that connections are kept alive.
final class HTTPTransport {
    private let handle: UnsafeMutableRawPointer
    private let caFile: String?
    static let userAgent = "vessel/\(RegistryClient.version)"

    /// libcurl, loaded and set up once; nil when it is, else why not.
    private static let loadFailure: String? = {
        if let failure = vessel_curl_load() { return String(cString: failure) }
        let rc = vessel_curl_global_init(Int(CURL_GLOBAL_ALL))
        return rc == CURLE_OK ? nil : "curl_global_init: \(String(cString: vessel_curl_easy_strerror(rc)))"
    }()

    init(caFile: String?) throws {
        if let failure = Self.loadFailure { throw TransportError(code: CURLE_FAILED_INIT, message: failure) }
        guard let handle = vessel_curl_easy_init() else {
            throw TransportError(code: CURLE_FAILED_INIT, message: "curl_easy_init failed")
        }
        self.handle = handle
        self.caFile = caFile
    }

    deinit { vessel_curl_easy_cleanup(handle) }

    /// Sends one request. `sink` receives a 2xx response's status and body; returning false aborts it.
    func send(_ request: HTTPRequest, keepLimit: Int = 1 << 16,
              sink: ((Int, UnsafeRawBufferPointer) -> Bool)? = nil) throws -> HTTPResponse {
        vessel_curl_easy_reset(handle)
        let exchange = Exchange(sink: sink, keepLimit: keepLimit, body: request.body)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for (k, v) in request.headers { list = vessel_curl_slist_append(list, "\(k): \(v)") }
        // No "Expect: 100-continue" pause before a chunk: registries answer at the end anyway.
        if request.body != nil { list = vessel_curl_slist_append(list, "Expect:") }
        defer { vessel_curl_slist_free_all(list) }
        var error = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let rc: CURLcode = error.withUnsafeMutableBufferPointer { errbuf in
            vessel_curl_set_string(handle, CURLOPT_URL, request.url)
            if request.method == "HEAD" { vessel_curl_set_long(handle, CURLOPT_NOBODY, 1) }
            if let body = request.body {
                // An upload, sent with the method asked for (PUT, POST or PATCH) and its length.
                vessel_curl_set_long(handle, CURLOPT_UPLOAD, 1)
                vessel_curl_set_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.length))
                vessel_curl_set_read(handle, { data, size, count, ctx in
                    let ex = Unmanaged<Exchange>.fromOpaque(ctx!).takeUnretainedValue()
                    return ex.fill(UnsafeMutableRawBufferPointer(start: data, count: size * count))
                }, context)
                vessel_curl_set_seek(handle, { ctx, offset, origin in
                    guard origin == SEEK_SET else { return CURL_SEEKFUNC_CANTSEEK }
                    Unmanaged<Exchange>.fromOpaque(ctx!).takeUnretainedValue().sent = Int64(offset)
                    return CURL_SEEKFUNC_OK
                }, context)
            }
            if request.method != "GET", request.method != "HEAD" { vessel_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
            vessel_curl_set_ptr(handle, CURLOPT_HTTPHEADER, list)
            vessel_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            vessel_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
            vessel_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 30)
            // A stalled transfer (no byte for a minute) counts as a dropped connection.
            vessel_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            vessel_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 60)
            vessel_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            vessel_curl_set_string(handle, CURLOPT_USERAGENT, Self.userAgent)
            if let caFile { vessel_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
            if request.resumeFrom > 0 { vessel_curl_set_off(handle, CURLOPT_RESUME_FROM_LARGE, curl_off_t(request.resumeFrom)) }
            vessel_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, errbuf.baseAddress)
            vessel_curl_set_header(handle, { data, size, count, ctx in
                let ex = Unmanaged<Exchange>.fromOpaque(ctx!).takeUnretainedValue()
                ex.headerLine(UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            }, context)
            vessel_curl_set_write(handle, { data, size, count, ctx in
                let ex = Unmanaged<Exchange>.fromOpaque(ctx!).takeUnretainedValue()
                return ex.body(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
            }, context)
            return vessel_curl_easy_perform(handle)
        }
        if rc != CURLE_OK {
            // A sink that stopped the transfer has its own reason; report the transfer as done.
            if rc == CURLE_WRITE_ERROR, exchange.sinkStopped { return exchange.response }
            // A server that ignores the Range makes curl refuse; the caller starts over.
            if rc == CURLE_RANGE_ERROR { return HTTPResponse(status: 416) }
            let detail = String(cString: error)
            throw TransportError(code: rc, message: detail.isEmpty ? String(cString: vessel_curl_easy_strerror(rc)) : detail)
        }
        return exchange.response
    }

    private final class Exchange {
        var response = HTTPResponse()
        let sink: ((Int, UnsafeRawBufferPointer) -> Bool)?
        let keepLimit: Int
        var sinkStopped = false
        let body: HTTPBody?
        var sent: Int64 = 0

        init(sink: ((Int, UnsafeRawBufferPointer) -> Bool)?, keepLimit: Int, body: HTTPBody?) {
            self.sink = sink
            self.keepLimit = keepLimit
            self.body = body
        }

        /// The next bytes of the body; 0 at its end, CURL_READFUNC_ABORT when the file cannot be read.
        func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            guard let body, sent < body.length else { return 0 }
            let want = Int(min(Int64(buffer.count), body.length - sent))
            switch body {
            case .bytes(let bytes):
                bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[Int(sent)..<(Int(sent) + want)])) }
                sent += Int64(want)
                return want
            case .file(let fd, let offset, _):
                let n = Syscall.retrying { pread(fd, buffer.baseAddress, want, off_t(offset + sent)) }
                guard n > 0 else { return Int(CURL_READFUNC_ABORT) }
                sent += Int64(n)
                return n
            }
        }

        func headerLine(_ raw: UnsafeRawBufferPointer) {
            let line = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                // A new status line (after 100 Continue) starts the headers afresh.
                response.status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                response.headers = [:]
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                response.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }

        func body(_ chunk: UnsafeRawBufferPointer) -> Bool {
            if (200..<300).contains(response.status), let sink {
                if sink(response.status, chunk) { return true }
                sinkStopped = true
                return false
            }
            if response.body.count < keepLimit {
                response.body.append(contentsOf: chunk.prefix(keepLimit - response.body.count))
            }
            return true
        }
    }
}
