"""Benchmark model hashing: modelsteward vs a single-core hashlib loop vs OpenSSF model-signing.

    python bench/bench_hashing.py [--size-mib 2048] [--files 4] [--repeat 3] [--dir /tmp]

Two models of ``--size-mib`` each are generated in a temporary folder: a multi-file model
(``--files`` equal files) and a single-file model. The files are read once so that every contender
finds them in the page cache. Each contender then hashes each model ``--repeat`` times, in
interleaved rounds so that background noise spreads over all of them. The table reports the best
run as MiB/s with ratios against the baseline and against model-signing (the median is shown too).

The baseline is the plain single-core loop ``while chunk := f.read(1 MiB): sha256.update(chunk)``
over the files one after another: the loop most code writes, and the one model-signing runs per
file. The script prints figures and never fails on a timing. It exits 1 only when the contenders
disagree on a digest. Temporary files are removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model_signing import hashing as ms_hashing
from model_signing._signing import signing as ms_signing

from modelsteward.integrity import hash_artifact, usable_cpus

MIB = 1024 * 1024
BLOCK = 16 * MIB  # write and warm-up size


@dataclass(frozen=True)
class Contender:
    name: str
    run: Callable[[Path], str]  # hashes a model folder or file, returns its root digest


def baseline(path: Path) -> str:
    """Single-core hashlib loop over the files in model-signing order, then the root digest."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    root = hashlib.sha256()
    for file in files:
        digest = hashlib.sha256()
        with open(file, "rb") as stream:
            while chunk := stream.read(MIB):
                digest.update(chunk)
        root.update(digest.digest())
    return root.hexdigest()


def modelsteward(path: Path) -> str:
    return hash_artifact(path).root_digest


def model_signing(path: Path) -> str:
    manifest = ms_hashing.hash(path)
    digest: str = ms_signing.Payload(manifest).statement.pb.subject[0].digest["sha256"]
    return digest


CONTENDERS = (
    Contender("baseline (hashlib, 1 core)", baseline),
    Contender("modelsteward", modelsteward),
    Contender("model-signing 1.1.1", model_signing),
)


def generate(path: Path, size: int, seed: int) -> None:
    """Write ``size`` bytes of incompressible, non-repeating data cheaply (one urandom block)."""
    block = bytearray(os.urandom(BLOCK))
    with open(path, "wb", buffering=0) as stream:
        written = 0
        counter = seed << 40
        while written < size:
            for offset in range(0, BLOCK, MIB):  # make every MiB differ
                block[offset : offset + 8] = counter.to_bytes(8, "little")
                counter += 1
            count = min(BLOCK, size - written)
            stream.write(memoryview(block)[:count])
            written += count


def warm(paths: list[Path]) -> None:
    buffer = bytearray(BLOCK)
    for path in paths:
        with open(path, "rb", buffering=0) as stream:
            while stream.readinto(buffer):
                pass


def measure(models: dict[str, Path], repeat: int) -> dict[tuple[str, str], list[float]]:
    times: dict[tuple[str, str], list[float]] = {}
    digests: dict[str, set[str]] = {label: set() for label in models}
    for round_number in range(repeat):
        for label, path in models.items():
            for contender in CONTENDERS:
                start = time.perf_counter()
                digest = contender.run(path)
                elapsed = time.perf_counter() - start
                times.setdefault((label, contender.name), []).append(elapsed)
                digests[label].add(digest)
        print(f"  round {round_number + 1}/{repeat} done", file=sys.stderr)
    for label, seen in digests.items():
        if len(seen) != 1:
            print(f"ERROR: contenders disagree on the {label} root digest: {seen}", file=sys.stderr)
            raise SystemExit(1)
    return times


def report(
    models: dict[str, Path],
    sizes: dict[str, int],
    times: dict[tuple[str, str], list[float]],
    repeat: int,
) -> str:
    lines = [
        "| model | contender | best MiB/s | median MiB/s | × baseline | × model-signing |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label in models:
        mib = sizes[label] / MIB
        best = {c.name: min(times[(label, c.name)]) for c in CONTENDERS}
        base, ms = best[CONTENDERS[0].name], best[CONTENDERS[2].name]
        for contender in CONTENDERS:
            runs = times[(label, contender.name)]
            lines.append(
                f"| {label} | {contender.name} | {mib / min(runs):,.0f} | "
                f"{mib / statistics.median(runs):,.0f} | {base / best[contender.name]:.2f} | "
                f"{ms / best[contender.name]:.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="size of each model (2048)")
    parser.add_argument("--files", type=int, default=4, help="files in the multi-file model (4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (3)")
    parser.add_argument("--dir", type=Path, default=None, help="parent of the temporary folder")
    args = parser.parse_args()
    size = args.size_mib * MIB
    part = size // args.files

    workdir = Path(tempfile.mkdtemp(prefix="modelsteward-bench-", dir=args.dir))
    try:
        multi = workdir / "multi"
        multi.mkdir()
        single = workdir / "single.safetensors"
        print(
            f"generating {args.files} × {part // MIB} MiB and 1 × {size // MIB} MiB in {workdir}",
            file=sys.stderr,
        )
        parts = [
            multi / f"model-{i + 1:05d}-of-{args.files:05d}.safetensors" for i in range(args.files)
        ]
        for seed, path in enumerate(parts, start=1):
            generate(path, part, seed)
        generate(single, size, 0)
        warm([*parts, single])

        models = {
            f"multi-file ({args.files} × {part // MIB} MiB)": multi,
            f"single file ({size // MIB} MiB)": single,
        }
        sizes = {
            label: sum(p.stat().st_size for p in ([path] if path.is_file() else path.iterdir()))
            for label, path in models.items()
        }
        load_before = os.getloadavg()[0]
        times = measure(models, args.repeat)
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"Python {platform.python_version()}, {ssl.OPENSSL_VERSION}, {usable_cpus()} usable CPUs "
        f"({os.cpu_count()} online), {platform.machine()}; best of {args.repeat} runs; "
        f"1-min load average {load_before:.2f} before, {load_after:.2f} after."
    )
    print(report(models, sizes, times, args.repeat))


if __name__ == "__main__":
    main()
