#!/usr/bin/env python3
"""make-edge-images.py OUTDIR TINY_LAYOUT -- images for the converter's edge cases and bad input.

Writes, with the standard library and ocitool.py only (no root needed to make them):
  OUTDIR/edge/NAME/      OCI layouts whose layers exercise one corner of the layer semantics
                         (hard links across layers and to deleted targets, file<->directory
                         replacement, opaque directories, devices, odd names, duplicates)
  OUTDIR/bad/NAME/       OCI layouts (mostly derived from TINY_LAYOUT) that must be refused:
                         corrupt gzip/zstd, truncated tar, digest and size mismatch, missing blob,
                         unknown media type, paths escaping the root
  OUTDIR/multiarch/      an image index offering linux/amd64 and linux/arm64/v8
Reference trees for edge/ come from `umoci unpack` (run by the caller, as root).
"""
import copy
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ocitool  # noqa: E402

EPOCH = ocitool.EPOCH


# ------------------------------------------------------------------ layer tars
class Layer:
    """An uncompressed PAX tar built entry by entry, so any entry can be expressed without root."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, name, type_, mode, uid=0, gid=0, **kw):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = type_, mode, uid, gid, EPOCH
        for k, v in kw.items():
            setattr(ti, k, v)
        return ti

    def dir(self, name, mode=0o755, **kw):
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, **kw))
        return self

    def file(self, name, data=b"", mode=0o644, xattrs=None, **kw):
        data = data.encode() if isinstance(data, str) else data
        ti = self._info(name, tarfile.REGTYPE, mode, size=len(data), **kw)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        self.tar.addfile(ti, io.BytesIO(data))
        return self

    def link(self, name, target):
        self.tar.addfile(self._info(name, tarfile.LNKTYPE, 0o644, linkname=target))
        return self

    def symlink(self, name, target):
        self.tar.addfile(self._info(name, tarfile.SYMTYPE, 0o777, linkname=target))
        return self

    def device(self, name, kind, major, minor, mode=0o666):
        t = tarfile.CHRTYPE if kind == "c" else tarfile.BLKTYPE
        self.tar.addfile(self._info(name, t, mode, devmajor=major, devminor=minor))
        return self

    def fifo(self, name, mode=0o644):
        self.tar.addfile(self._info(name, tarfile.FIFOTYPE, mode))
        return self

    def whiteout(self, name):
        d, b = os.path.split(name)
        return self.file(os.path.join(d, ".wh." + b))

    def opaque(self, dirname):
        return self.file(os.path.join(dirname, ".wh..wh..opq"))

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def assemble(layout, layers, comp="gzip", config=None):
    """Writes an OCI layout tagged latest from Layer objects, through ocitool's assemble."""
    if os.path.exists(layout):
        shutil.rmtree(layout)
    with tempfile.TemporaryDirectory() as tmp:
        args = ["assemble", layout, "latest", "--config", os.path.join(tmp, "config.json")]
        with open(args[-1], "w") as f:
            json.dump({"config": config or {"Cmd": ["/bin/sh"]}}, f)
        for i, layer in enumerate(layers):
            p = os.path.join(tmp, "layer%d.tar" % i)
            with open(p, "wb") as f:
                f.write(layer.bytes())
            args += ["--layer", "%s:%s:layer %d" % (p, comp, i + 1)]
        subprocess.run([sys.executable, os.path.join(HERE, "ocitool.py")] + args, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ------------------------------------------------------------------ edge images
def edge_images(out):
    # Hard links: same layer, across layers, to a target a later layer deletes, to a symlink.
    assemble(f"{out}/links", [
        Layer().dir("a").dir("b").dir("x").dir("x2")
               .file("a/target.txt", "T1\n").link("a/link1", "a/target.txt")
               .file("x/gone.txt", "kept through a link\n").link("x2/alias", "x/gone.txt")
               .symlink("b/sym", "../a/target.txt").link("b/sym-link", "b/sym"),
        Layer().dir("l2").link("l2/cross", "a/target.txt").whiteout("x/gone.txt")
               .file("l2/own", "own\n").link("l2/own-link", "l2/own").whiteout("l2/own"),
        Layer().dir("a").file("a/target.txt", "T3 replaced\n"),
    ])
    # A file becomes a directory and back; a directory becomes a file.
    assemble(f"{out}/replace", [
        Layer().dir("d1").file("d1/child", "old child\n").file("f1", "a file\n").dir("keep").file("keep/k", "k\n"),
        Layer().file("d1", "now a file\n").dir("f1", mode=0o750).file("f1/inner", "inner\n"),
        Layer().dir("d1", mode=0o700).file("d1/new", "new\n").dir("keep", mode=0o711, uid=7, gid=8),
    ])
    # Opaque directories (with entries in the same layer), a whited-out directory recreated.
    assemble(f"{out}/opaque", [
        Layer().dir("o").file("o/a", "a\n").dir("o/sub").file("o/sub/b", "b\n")
               .dir("gone").file("gone/old", "old\n").dir("gone/deep").file("gone/deep/x", "x\n"),
        Layer().dir("o").opaque("o").file("o/c", "c\n").whiteout("gone"),
        Layer().dir("o").file("o/d", "d\n").dir("gone", mode=0o700).file("gone/again", "again\n"),
    ])  # gzip: umoci 0.4, which makes the reference tree, cannot read zstd layers
    # Devices, FIFO, modes, big ids, xattrs, odd names, a duplicate entry, an uncompressed layer.
    long = "n" * 250
    assemble(f"{out}/specials", [
        Layer().dir("dev").device("dev/null", "c", 1, 3).device("dev/loop0", "b", 7, 0, mode=0o660)
               .device("dev/bigminor", "c", 10, 300).fifo("dev/pipe", 0o600)
               .dir("m").file("m/none", "", mode=0o000).file("m/sgid", "#!/bin/sh\n", mode=0o2755)
               .dir("m/sticky", mode=0o1777).file("m/ids", "ids\n", uid=100000, gid=200000)
               .file("m/xattrs", "x\n", xattrs={"user.empty": "", "user.utf8": "é ☃"})
               .file("names/" + long, "long name\n").file("names/tab\there", "tab\n")
               .file("names/latin1-\udce9.txt".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape"), "latin1\n")
               .file("dup.txt", "first\n").file("dup.txt", "second wins\n", mode=0o600),
    ], comp="none")


# ------------------------------------------------------------------ bad images
def load(layout):
    idx = json.load(open(f"{layout}/index.json"))
    desc = idx["manifests"][0]
    return idx, json.load(open(ocitool.blob_path(layout, desc["digest"])))


def save_manifest(layout, idx, man):
    dg, size = ocitool.put_bytes(layout, json.dumps(man, separators=(",", ":")).encode())
    idx["manifests"][0].update({"digest": dg, "size": size})
    ocitool.write_json(f"{layout}/index.json", idx)


def replace_layer(layout, i, data, media_type=None):
    idx, man = load(layout)
    dg, size = ocitool.put_bytes(layout, data)
    man["layers"][i].update({"digest": dg, "size": size})
    if media_type:
        man["layers"][i]["mediaType"] = media_type
    save_manifest(layout, idx, man)


def layer_bytes(layout, i):
    _, man = load(layout)
    return open(ocitool.blob_path(layout, man["layers"][i]["digest"]), "rb").read()


def bad_images(out, tiny):
    def fresh(name):
        p = f"{out}/{name}"
        if os.path.exists(p):
            shutil.rmtree(p)
        shutil.copytree(tiny, p)
        return p

    # Flipped bytes inside the deflate stream, the manifest updated: the data itself is bad.
    p = fresh("corrupt-gzip")
    data = bytearray(layer_bytes(p, 0))
    for off in range(len(data) // 2, len(data) // 2 + 64):
        data[off] ^= 0x5A
    replace_layer(p, 0, bytes(data))
    # Layer 3 is zstd.
    p = fresh("corrupt-zstd")
    data = bytearray(layer_bytes(p, 2))
    for off in range(20, min(len(data) - 8, 60)):
        data[off] ^= 0x5A
    replace_layer(p, 2, bytes(data))
    # An uncompressed layer cut off in the middle of a file.
    p = fresh("truncated-tar")
    data = Layer().dir("t").file("t/big", os.urandom(200000)).bytes()
    _, man = load(p)
    replace_layer(p, 2, data[:100000], "application/vnd.oci.image.layer.v1.tar")
    # Same size, still valid gzip (only the gzip header's mtime differs), different digest.
    p = fresh("digest-mismatch")
    _, man = load(p)
    path = ocitool.blob_path(p, man["layers"][0]["digest"])
    data = bytearray(open(path, "rb").read())
    data[4] ^= 0x01
    os.chmod(path, 0o644)
    open(path, "wb").write(data)
    # The manifest states a wrong size.
    p = fresh("size-mismatch")
    idx, man = load(p)
    man["layers"][1]["size"] += 1
    save_manifest(p, idx, man)
    # A layer blob is gone.
    p = fresh("missing-blob")
    _, man = load(p)
    os.unlink(ocitool.blob_path(p, man["layers"][1]["digest"]))
    # A layer type Vessel does not read.
    p = fresh("unknown-mediatype")
    idx, man = load(p)
    man["layers"][1]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+bzip2"
    save_manifest(p, idx, man)
    # Paths that would leave the root.
    assemble(f"{out}/escape-dotdot", [Layer().dir("a").file("a/../../evil", "x\n")])
    assemble(f"{out}/escape-absolute", [Layer().file("/etc/evil", "x\n")])
    assemble(f"{out}/escape-symlink", [Layer().symlink("link", "/etc"), Layer().file("link/evil", "x\n")])
    assemble(f"{out}/escape-symlink-same-layer", [Layer().symlink("link", "/etc").file("link/evil", "x\n")])


def multiarch(out, tiny):
    p = f"{out}/multiarch"
    if os.path.exists(p):
        shutil.rmtree(p)
    subprocess.run([sys.executable, os.path.join(HERE, "ocitool.py"), "index", p, "latest",
                    "--manifest", f"{tiny}:latest:amd64", "--manifest", f"{tiny}:latest:arm64:v8"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    out, tiny = sys.argv[1], sys.argv[2]
    for d in ("edge", "bad"):
        os.makedirs(f"{out}/{d}", exist_ok=True)
    edge_images(f"{out}/edge")
    bad_images(f"{out}/bad", tiny)
    multiarch(out, tiny)
    print("edge and bad images in", out)


if __name__ == "__main__":
    main()
