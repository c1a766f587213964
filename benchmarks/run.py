"""Run every benchmark and print its figures (copy them into docs/benchmarks.md with the date)."""

from __future__ import annotations

import platform
import subprocess
import sys

BENCHMARKS = ["benchmarks.analysis_speed", "benchmarks.decode_speed", "benchmarks.extraction",
              "benchmarks.storage_scale"]


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'cpu'}")
    for module in BENCHMARKS:
        subprocess.run([sys.executable, "-m", module], check=True)


if __name__ == "__main__":
    main()
