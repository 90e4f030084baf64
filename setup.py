"""Builds the pybind11 extension rtrisk._core; metadata lives in pyproject.toml.

Needs Eigen 3 headers (EIGEN3_INCLUDE_DIR, else /usr/include/eigen3), xtensor, xtl and Boost
headers on the default include path. Set RTRISK_BUILD_JOBS to compile the binding files in
parallel (default 2).
"""
import os
from pathlib import Path

from pybind11.setup_helpers import ParallelCompile, Pybind11Extension, build_ext
from setuptools import setup

ParallelCompile("RTRISK_BUILD_JOBS", default=2).install()

root = Path(__file__).resolve().parent
eigen = [d for d in (os.environ.get("EIGEN3_INCLUDE_DIR"), "/usr/include/eigen3", "/usr/local/include/eigen3") if d and Path(d).is_dir()]
sources = sorted(str(p.relative_to(root)) for p in (root / "python" / "src").glob("*.cpp"))
# The core headers and bindings.hpp: build_ext rebuilds only when one of sources + depends is newer
# than the built module, so without them a change to include/rtrisk/*.hpp was silently not rebuilt.
depends = sorted(str(p.relative_to(root)) for p in [*(root / "include").rglob("*.hpp"), *(root / "python" / "src").glob("*.hpp")])

ext = Pybind11Extension(
    "rtrisk._core",
    sources,
    depends=depends,
    include_dirs=[str(root / "include"), *eigen],
    cxx_std=20,
    extra_compile_args=["-O3"],
)

setup(ext_modules=[ext], cmdclass={"build_ext": build_ext})
