#!/usr/bin/env python3
"""make-variants.py TINY_LAYOUT OUT -- OCI layouts that real builders make and Vessel must take:
  OUT/workdir-volumes  the tiny image with a WorkingDir and a VOLUME its layers lack (buildah
                       leaves a last WORKDIR out; podman makes both at run time)
  OUT/unpadded         one zstd layer whose stream lacks the tar's end-of-archive padding, the
                       config's diff_id being the whole tar's (podman 4.3's zstd:chunked)
  OUT/mismatch         the same layer with a diff_id that no padding explains
"""
import hashlib, io, json, os, shutil, subprocess, sys, tarfile

tiny, out = sys.argv[1], sys.argv[2]

def blob(layout, digest):
    return open(f"{layout}/blobs/sha256/{digest.split(':')[1]}", "rb").read()

def put(layout, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{layout}/blobs/sha256", exist_ok=True)
    open(f"{layout}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)

def finish(layout, manifest):
    md, ms = put(layout, json.dumps(manifest, sort_keys=True).encode())
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
               "size": ms, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, open(f"{layout}/index.json", "w"))
    open(f"{layout}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')

# workdir-volumes: tiny's layers, a config asking for what the layers lack
wv = f"{out}/workdir-volumes"
shutil.rmtree(wv, ignore_errors=True)
shutil.copytree(tiny, wv)
index = json.load(open(f"{tiny}/index.json"))
manifest = json.loads(blob(tiny, index["manifests"][0]["digest"]))
config = json.loads(blob(tiny, manifest["config"]["digest"]))
config["config"]["WorkingDir"] = "/work/missing"
config["config"]["Volumes"] = {"/data/vol": {}}
config["config"]["Entrypoint"] = ["/bin/sh", "-c", "pwd; test -d /data/vol && echo volume"]
config["config"]["Cmd"] = None
cd, cs = put(wv, json.dumps(config, sort_keys=True).encode())
manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": cd, "size": cs}
finish(wv, manifest)

# unpadded and mismatch: one layer, its tar's end-of-archive padding cut
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    info = tarfile.TarInfo("hello.txt"); info.size = 6; info.mtime = 1700000000
    t.addfile(info, io.BytesIO(b"hello\n"))
full = raw.getvalue()
cut = len(full) - 8704
assert cut > 0 and full[cut:] == bytes(8704)
layer = subprocess.run(["zstd", "-q", "-c"], input=full[:cut], capture_output=True, check=True).stdout
for name, diff_id in [("unpadded", "sha256:" + hashlib.sha256(full).hexdigest()),
                      ("mismatch", "sha256:" + hashlib.sha256(full + b"x").hexdigest())]:
    lay = f"{out}/{name}"
    shutil.rmtree(lay, ignore_errors=True)
    ld, ls = put(lay, layer)
    cfg = {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    cd, cs = put(lay, json.dumps(cfg, sort_keys=True).encode())
    finish(lay, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                 "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                 "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": ld, "size": ls}]})
