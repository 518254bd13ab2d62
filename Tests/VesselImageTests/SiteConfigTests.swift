import Foundation
@testable import VesselImage
import XCTest

final class SiteConfigTests: XCTestCase {
    func testKeysAndWarnings() {
        var c = SiteConfig()
        c.apply("""
        # site settings
        cache-dir = /shared/vessel   # the group's cache
        nv-required = yes
        registry-parallel = 4
        require-signature = yes
        trusted-keys = /a, /b
        colour = blue
        nv-required = maybe
        results-root = /shared/results
        """, file: "vessel.conf")
        XCTAssertEqual(c.cacheDirectory, "/shared/vessel")
        XCTAssertTrue(c.nvRequired)
        XCTAssertEqual(c.parallelDownloads, 4)
        XCTAssertTrue(c.requireSignature)
        XCTAssertEqual(c.trustedKeys, ["/a", "/b"])
        XCTAssertEqual(c.resultsRoot, "/shared/results")
        XCTAssertEqual(c.warnings, ["vessel.conf:7: unknown key colour (known: cache-dir, nv-required, registry-parallel, require-signature, trusted-keys, results-root, trust, pin, gateway, gateway-user); ignored",
                                    "vessel.conf:8: nv-required takes yes or no"])
    }

    /// A user's file (or VESSEL_CONFIG) may make the site's policy stricter, never weaker.
    func testAUserCannotWeakenTheSitePolicy() {
        var c = SiteConfig()
        c.apply("require-signature = yes\nnv-required = yes\ntrusted-keys = /etc/site.pub\npin = cache-dir, results-root, colour\ncache-dir = /shared/cache\n", file: "site")
        XCTAssertEqual(c.trust, .site, "a site that requires signatures trusts its own keys unless it says otherwise")
        c.apply("require-signature = no\nnv-required = no\ntrust = site+user\npin = \ncache-dir = /mine\nresults-root = /r\ntrusted-keys = /home/me/k.pub\n", file: "user", scope: .user)
        XCTAssertTrue(c.requireSignature)
        XCTAssertTrue(c.nvRequired)
        XCTAssertEqual(c.trust, .site)
        XCTAssertEqual(c.cacheDirectory, "/shared/cache")
        XCTAssertNil(c.resultsRoot)
        XCTAssertEqual(c.trustedKeys, ["/etc/site.pub"])
        XCTAssertEqual(c.userTrustedKeys, ["/home/me/k.pub"])
        XCTAssertEqual(c.cacheDirectory(environment: ["VESSEL_CACHE": "/elsewhere"]), "/shared/cache", "VESSEL_CACHE cannot move a pinned cache")
        XCTAssertEqual(c.warnings, [
            "site:4: pin: colour cannot be pinned (only cache-dir, results-root); ignored",
            "user:1: require-signature = no cannot weaken the site's require-signature = yes; ignored",
            "user:2: nv-required = no cannot weaken the site's nv-required = yes; ignored",
            "user:3: trust is the site's to set (in /etc/vessel/vessel.conf); ignored",
            "user:4: pin is the site's to set (in /etc/vessel/vessel.conf); ignored",
            "user:5: the site pins cache-dir (in /etc/vessel/vessel.conf); ignored",
            "user:6: the site pins results-root (in /etc/vessel/vessel.conf); ignored",
        ])
        // Without a site policy, a user may turn one on for themselves, with their own keys.
        var u = SiteConfig()
        u.apply("require-signature = yes\n", file: "user", scope: .user)
        XCTAssertTrue(u.requireSignature)
        XCTAssertEqual(u.trust, .siteAndUser)
        XCTAssertEqual(u.cacheDirectory(environment: ["VESSEL_CACHE": "/v"]), "/v")
    }
}
