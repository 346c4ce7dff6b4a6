#!/usr/bin/env python3
"""Packs directories into OCI image archives that `ctr images import` reads,
without a container tool or a registry. Standard library only.

  mkoci.py layer ROOTFS LAYER.tar
      Writes ROOTFS as one uncompressed layer, and LAYER.tar.json with its
      digest and size so later images reuse it without hashing it again.

  mkoci.py image OUT.tar NAME:TAG --layer PATH [--layer PATH ...]
                 [--entrypoint JSON] [--cmd JSON] [--env K=V ...] [--workdir DIR]
      Writes an image whose layers are PATHs in order, bottom first; a PATH is
      a layer tar written by `layer`, or a directory packed on the spot.

  mkoci.py inspect OUT.tar
      Prints the image name and manifest digest the archive carries, which is
      how scripts tell whether containerd already holds this very image.

Layers are reproducible: entries sorted by name, numeric owners only, no
user or group names, device nodes and the contents of /dev, /proc and /sys
left out (the runtime mounts those), hard links kept, file capabilities kept
as SCHILY.xattr records. They are left uncompressed: on two cores gzip would
cost more when packing and unpacking than it saves in copying.
"""

import argparse
import hashlib
import io
import json
import os
import stat
import sys
import tarfile
import tempfile
import time

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Directories whose contents never belong in an image.
RUNTIME_DIRS = ("dev", "proc", "sys")


class HashingWriter:
    """A write-only file that hashes and counts what passes through it."""

    def __init__(self, f):
        self.f = f
        self.h = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.h.update(data)
        self.size += len(data)
        return self.f.write(data)

    def tell(self):
        return self.size

    def flush(self):
        self.f.flush()


def walk_sorted(rootfs, rel=""):
    """Yields (archive name, path) for every entry under rootfs, depth first
    in byte order of names (as GNU tar --sort=name), parents before children."""
    path = os.path.join(rootfs, rel) if rel else rootfs
    for name in sorted(os.listdir(path)):
        child_rel = f"{rel}/{name}" if rel else name
        child = os.path.join(rootfs, child_rel)
        yield child_rel, child
        if rel == "" and name in RUNTIME_DIRS:
            continue  # keep the directory, drop what is in it
        if os.path.isdir(child) and not os.path.islink(child):
            yield from walk_sorted(rootfs, child_rel)


def tarinfo_for(name, path, links):
    st = os.lstat(path)
    ti = tarfile.TarInfo(name)
    ti.mode = stat.S_IMODE(st.st_mode)
    ti.uid, ti.gid = st.st_uid, st.st_gid
    ti.uname = ti.gname = ""
    ti.mtime = int(st.st_mtime)
    if stat.S_ISREG(st.st_mode):
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in links:
            ti.type, ti.linkname = tarfile.LNKTYPE, links[key]
            return ti, None
        if st.st_nlink > 1:
            links[key] = name
        ti.type, ti.size = tarfile.REGTYPE, st.st_size
    elif stat.S_ISDIR(st.st_mode):
        ti.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(st.st_mode):
        ti.type, ti.linkname = tarfile.SYMTYPE, os.readlink(path)
    elif stat.S_ISFIFO(st.st_mode):
        ti.type = tarfile.FIFOTYPE
    else:
        return None, None  # device nodes and sockets: the runtime provides /dev
    try:
        cap = os.getxattr(path, "security.capability", follow_symlinks=False)
        # tarfile writes str pax values; surrogateescape carries the raw bytes.
        ti.pax_headers["SCHILY.xattr.security.capability"] = cap.decode("utf-8", "surrogateescape")
    except OSError:
        pass
    return ti, path if ti.type == tarfile.REGTYPE else None


def write_layer(rootfs, out):
    """Writes rootfs as a layer tar at out; returns (sha256 hex, size)."""
    links = {}
    with open(out, "wb") as raw:
        w = HashingWriter(raw)
        with tarfile.open(fileobj=w, mode="w", format=tarfile.PAX_FORMAT,
                          encoding="utf-8", errors="surrogateescape") as t:
            for name, path in walk_sorted(rootfs):
                ti, data = tarinfo_for(name, path, links)
                if ti is None:
                    continue
                if data is None:
                    t.addfile(ti)
                else:
                    with open(data, "rb") as f:
                        t.addfile(ti, f)
    return w.h.hexdigest(), w.size


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def layer_meta(path):
    """The digest and size of a layer tar: from its .json when that still
    matches the file's size and mtime, else computed."""
    st = os.stat(path)
    try:
        with open(path + ".json") as f:
            meta = json.load(f)
        if meta["size"] == st.st_size and meta["mtime"] == int(st.st_mtime):
            return meta["sha256"], meta["size"]
    except (OSError, KeyError, ValueError):
        pass
    return sha256_file(path), st.st_size


def cmd_layer(a):
    t0 = time.time()
    tmp = a.out + ".tmp"
    digest, size = write_layer(a.rootfs, tmp)
    os.replace(tmp, a.out)
    st = os.stat(a.out)
    with open(a.out + ".json", "w") as f:
        json.dump({"sha256": digest, "size": size, "mtime": int(st.st_mtime)}, f)
    print(f"mkoci: layer {a.out}: {size / 1e6:.1f} MB sha256:{digest[:12]} in {time.time() - t0:.1f}s",
          file=sys.stderr)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def add_bytes(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))


def cmd_image(a):
    t0 = time.time()
    out_dir = os.path.dirname(os.path.abspath(a.out))
    with tempfile.TemporaryDirectory(prefix="mkoci-", dir=out_dir) as work:
        layers = []  # (file to copy, sha256, size)
        for i, path in enumerate(a.layer):
            if os.path.isdir(path):
                tmp = os.path.join(work, f"layer{i}.tar")
                digest, size = write_layer(path, tmp)
                layers.append((tmp, digest, size))
            else:
                digest, size = layer_meta(path)
                layers.append((path, digest, size))
        history = [{"created_by": "mkoci.py " + os.path.basename(os.path.normpath(p))} for p in a.layer]

        config = {"Env": [DEFAULT_PATH] + a.env, "WorkingDir": a.workdir}
        if a.entrypoint:
            config["Entrypoint"] = json.loads(a.entrypoint)
        if a.cmd:
            config["Cmd"] = json.loads(a.cmd)
        cfg = compact({
            "architecture": "amd64",
            "os": "linux",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for _, d, _ in layers]},
            "history": history,
        })
        manifest = compact({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + hashlib.sha256(cfg).hexdigest(),
                       "size": len(cfg)},
            # Uncompressed layers: the digest is also the diff ID.
            "layers": [{"mediaType": OCI_LAYER, "digest": "sha256:" + d, "size": n} for _, d, n in layers],
        })
        man_digest = hashlib.sha256(manifest).hexdigest()
        last = a.name.rsplit("/", 1)[-1]
        tag = last.rsplit(":", 1)[1] if ":" in last else "latest"
        index = compact({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{
                "mediaType": OCI_MANIFEST,
                "digest": "sha256:" + man_digest,
                "size": len(manifest),
                "platform": {"architecture": "amd64", "os": "linux"},
                # containerd names the image from the first annotation; the
                # second is the OCI layout's own (tag only).
                "annotations": {"io.containerd.image.name": a.name,
                                "org.opencontainers.image.ref.name": tag},
            }],
        })
        tmp_out = a.out + ".tmp"
        with tarfile.open(tmp_out, "w", format=tarfile.PAX_FORMAT) as t:
            add_bytes(t, "oci-layout", compact({"imageLayoutVersion": "1.0.0"}))
            add_bytes(t, "index.json", index)
            seen = set()
            for path, digest, _ in layers:
                if digest not in seen:
                    seen.add(digest)
                    t.add(path, arcname="blobs/sha256/" + digest, recursive=False)
            add_bytes(t, "blobs/sha256/" + hashlib.sha256(cfg).hexdigest(), cfg)
            add_bytes(t, "blobs/sha256/" + man_digest, manifest)
        os.replace(tmp_out, a.out)
    total = sum(n for _, _, n in layers)
    print(f"mkoci: image {a.name} -> {a.out}: {len(layers)} layer(s), {total / 1e6:.1f} MB, "
          f"manifest sha256:{man_digest[:12]} in {time.time() - t0:.1f}s", file=sys.stderr)


def cmd_inspect(a):
    with tarfile.open(a.archive) as t:
        index = json.load(t.extractfile("index.json"))
    m = index["manifests"][0]
    print(m["annotations"]["io.containerd.image.name"], m["digest"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("layer", help="pack a directory as a layer tar")
    p.add_argument("rootfs")
    p.add_argument("out")
    p.set_defaults(func=cmd_layer)
    p = sub.add_parser("image", help="write an OCI image archive")
    p.add_argument("out")
    p.add_argument("name", help="NAME:TAG, e.g. localhost/pause:local")
    p.add_argument("--layer", action="append", required=True, help="layer tar or directory, bottom first")
    p.add_argument("--entrypoint", help="JSON list")
    p.add_argument("--cmd", help="JSON list")
    p.add_argument("--env", action="append", default=[], help="K=V")
    p.add_argument("--workdir", default="/")
    p.set_defaults(func=cmd_image)
    p = sub.add_parser("inspect", help="print an archive's image name and manifest digest")
    p.add_argument("archive")
    p.set_defaults(func=cmd_inspect)
    a = ap.parse_args(argv)
    a.func(a)


if __name__ == "__main__":
    main()
