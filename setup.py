"""Builds the pybind11 extensions rtrisk._core (the core) and rtrisk._live (the live engine and
service internals of examples/live, for rtrisk.service and rtrisk.live); metadata lives in
pyproject.toml.

Needs Eigen 3 headers (EIGEN3_INCLUDE_DIR, else /usr/include/eigen3), xtensor, xtl and Boost
headers on the default include path; _live also CLI11, nlohmann-json, librdkafka, libpq and zlib
(scripts/bootstrap.sh installs them all) and cmake, which embeds the SQL migrations
(cmake/embed_migrations.cmake). Set RTRISK_BUILD_JOBS to compile the binding files in parallel
(default 2), and RTRISK_NATIVE=1 to compile for this machine's CPU (-march=native: AVX2/AVX-512
SIMD for the option pricer and the scenario products) instead of a portable x86-64 build.
"""
import os
import subprocess
from pathlib import Path

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

ParallelCompile("RTRISK_BUILD_JOBS", default=2).install()

root = Path(__file__).resolve().parent
native = ["-march=native"] if os.environ.get("RTRISK_NATIVE", "0") == "1" else []
# The flags, written only when they change: a dependency of both modules, so switching
# RTRISK_NATIVE rebuilds them (build_ext compares file times, not flags).
generated = root / "build" / "python-generated"
generated.mkdir(parents=True, exist_ok=True)
flags_file = generated / "compile_flags.txt"
if not flags_file.exists() or flags_file.read_text() != " ".join(native) + "\n":
    flags_file.write_text(" ".join(native) + "\n")
eigen = [d for d in (os.environ.get("EIGEN3_INCLUDE_DIR"), "/usr/include/eigen3", "/usr/local/include/eigen3") if d and Path(d).is_dir()]
sources = sorted(str(p.relative_to(root)) for p in (root / "python" / "src").glob("*.cpp"))
# The core headers and bindings.hpp: build_ext rebuilds only when one of sources + depends is newer
# than the built module, so without them a change to include/rtrisk/*.hpp was silently not rebuilt.
depends = sorted(str(p.relative_to(root)) for p in [*(root / "include").rglob("*.hpp"), *(root / "python" / "src").glob("*.hpp"), flags_file])

ext = Pybind11Extension(
    "rtrisk._core",
    sources,
    depends=depends,
    include_dirs=[str(root / "include"), *eigen],
    cxx_std=20,
    extra_compile_args=["-O3", *native],
)

# The live module: the SQL migrations embedded by the same CMake script as the C++ build's.
subprocess.run(["cmake", f"-DRTRISK_MIGRATIONS_DIR={root / 'examples/live/store/migrations'}",
                f"-DRTRISK_MIGRATIONS_OUT={generated / 'history_migrations.inc'}", "-P", str(root / "cmake" / "embed_migrations.cmake")],
               check=True)
live_depends = sorted(str(p.relative_to(root)) for p in [*(root / "examples").rglob("*.hpp"), *(root / "examples").rglob("*.sql")])
live = Pybind11Extension(
    "rtrisk._live",
    ["python/src/live/_live.cpp"],
    depends=depends + live_depends,
    include_dirs=[str(root / "include"), str(root / "examples" / "live"), str(generated), "/usr/include/postgresql", *eigen],
    libraries=["rdkafka", "pq", "z"],
    cxx_std=20,
    extra_compile_args=["-O2", *native],
)

setup(ext_modules=[ext, live], cmdclass={"build_ext": build_ext})
