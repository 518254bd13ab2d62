#!/usr/bin/env python3
"""make-seeds.py DIR -- the fuzzers' seed inputs: small indexes, manifests and configs
(DIR/manifest/), small layers (DIR/layer/) with the entry kinds layers hold: directories,
files, symbolic and hard links, whiteouts, an opaque marker, PAX xattrs, a device, long names,
and image files' wrappers (DIR/imagefile/): SIF files, a signature block after SquashFS.
Deterministic; the committed seeds are its output. Crashes the fuzzers find are kept beside
them as crash-* and replayed by VesselFuzzingTests."""
import base64, gzip, io, json, os, struct, subprocess, sys, tarfile, tempfile

out = sys.argv[1]
os.makedirs(out + "/manifest", exist_ok=True)
os.makedirs(out + "/layer", exist_ok=True)
os.makedirs(out + "/imagefile", exist_ok=True)
D = "sha256:" + "ab" * 32
docs = {
    "oci-index": {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D, "size": 7, "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D, "size": 7, "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D, "size": 7, "platform": {"architecture": "unknown", "os": "unknown"}}]},
    "docker-list": {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json", "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": D, "size": 7, "platform": {"architecture": "amd64", "os": "linux"}}]},
    "oci-manifest": {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D, "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D, "size": 10},
                   {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": D, "size": 10}],
        "architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [D, D]},
        "config_": {"Env": ["PATH=/bin", "A=b c"], "Entrypoint": ["/bin/sh"], "Cmd": ["-c", "true"], "WorkingDir": "/w", "User": "1000:1000", "Labels": {"a": "b"}}},
    "docker-manifest": {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": D, "size": 100},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": D, "size": 10}]},
    "schema1": {"schemaVersion": 1, "name": "x", "tag": "latest", "fsLayers": []},
}
for name, doc in docs.items():
    with open(f"{out}/manifest/{name}.json", "w") as f:
        json.dump(doc, f, sort_keys=True)

def tar(entries, fmt=tarfile.PAX_FORMAT):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as t:
        for kind, name, extra in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            info.mode = extra.get("mode", 0o644)
            data = None
            if kind == "dir":
                info.type = tarfile.DIRTYPE; info.mode = 0o755
            elif kind == "file":
                data = extra.get("data", b"data\n"); info.size = len(data)
            elif kind == "sym":
                info.type = tarfile.SYMTYPE; info.linkname = extra["to"]
            elif kind == "link":
                info.type = tarfile.LNKTYPE; info.linkname = extra["to"]
            elif kind == "chr":
                info.type = tarfile.CHRTYPE; info.devmajor = 1; info.devminor = 3
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            if "xattr" in extra:
                info.pax_headers = {"SCHILY.xattr.user.k": extra["xattr"]}
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return raw.getvalue()

layers = {
    "basic": [("dir", "etc", {}), ("file", "etc/passwd", {"data": b"root:x:0:0::/root:/bin/sh\n"}),
              ("sym", "etc/link", {"to": "passwd"}), ("link", "etc/hard", {"to": "etc/passwd"}),
              ("file", "bin/suid", {"mode": 0o4755}), ("chr", "dev/null", {}), ("fifo", "run/fifo", {})],
    "whiteouts": [("dir", "a", {}), ("file", "a/.wh.gone", {}), ("file", "b/.wh..wh..opq", {}),
                  ("file", ".wh.c", {}), ("file", "a/kept", {})],
    "xattrs": [("file", "x", {"xattr": "v"}), ("dir", "d" * 100, {}), ("file", "d" * 100 + "/" + "n" * 200, {})],
    "escapes": [("sym", "up", {"to": "../../etc"}), ("file", "up/passwd", {}), ("link", "h", {"to": "missing"}),
                ("file", "./a/../b", {})],
}
for name, entries in layers.items():
    data = tar(entries)
    open(f"{out}/layer/{name}.tar", "wb").write(data)
open(f"{out}/layer/basic-gnu.tar", "wb").write(tar(layers["basic"], tarfile.GNU_FORMAT))
open(f"{out}/layer/basic.tar.gz", "wb").write(gzip.compress(tar(layers["basic"]), mtime=0))

# SIF (sylabs/sif format 1): a 128-byte header, 585-byte descriptors, the objects they point at.
def sif(objects, size=8192):
    f = bytearray(size)
    f[32:42] = b"SIF_MAGIC\0"; f[42:45] = b"01\0"; f[45:48] = b"02\0"
    struct.pack_into("<qqqq", f, 80, 4 - len(objects), 4, 1024, 4 * 585)
    for i, (kind, ident, link, offset, length, extra) in enumerate(objects):
        at = 1024 + i * 585
        struct.pack_into("<iBIII", f, at, kind, 1, ident, 0, link)
        struct.pack_into("<qq", f, at + 17, offset, length)
        f[at + 201:at + 201 + len(extra)] = extra
    return bytes(f)

squashfs_partition = struct.pack("<ii", 1, 2) + b"02\0"
open(f"{out}/imagefile/primary.sif", "wb").write(sif([
    (0x4001, 1, 0, 4096, 16, b""),  # a definition file
    (0x4004, 2, 0, 4608, 1024, squashfs_partition),
    (0x4005, 3, 2, 6144, 64, struct.pack("<i", 1) + bytes(range(20)))]))
open(f"{out}/imagefile/ext3.sif", "wb").write(sif([(0x4004, 1, 0, 4096, 1024, struct.pack("<ii", 2, 2) + b"02\0")]))

# A small SquashFS file with Vessel's signature block after it: the records, then "VSLSIG01",
# where they start and how long they are.
with tempfile.TemporaryDirectory() as tree:
    image = tree + ".sqsh"
    subprocess.run(["mksquashfs", tree, image, "-noappend", "-quiet", "-mkfs-time", "0", "-all-time", "0", "-all-root"],
                   check=True, stdout=subprocess.DEVNULL)
    squashfs = open(image, "rb").read()
    os.unlink(image)
record = {"signer": "alice", "publicKey": base64.b64encode(bytes(32)).decode(),
          "payload": base64.b64encode(json.dumps({"imageSHA256": "ab" * 32, "imageBytes": 4096}).encode()).decode(),
          "signature": base64.b64encode(bytes(64)).decode()}
block = json.dumps({"signatures": [record]}, sort_keys=True).encode()
open(f"{out}/imagefile/signed.sqsh", "wb").write(
    squashfs + block + b"VSLSIG01" + struct.pack("<QQ", len(squashfs), len(block)))
