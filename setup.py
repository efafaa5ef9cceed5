"""Builds dedup's compiled kernels (dedup/accel/native/_native.c) with the package.

Everything else about the package is in pyproject.toml. `pip install .` compiles the
extension with the platform's C compiler (on Debian: gcc and python3-dev); numpy's
headers come from the build requirements. Where no compiler works, the build goes on
without it and dedup runs its numpy versions of the loops (slower, same results).
"""

import os

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

NATIVE = "dedup/accel/native"


class BuildExt(build_ext):
    def build_extensions(self):
        # Optimised, never fast-math: the decisions compare doubles exactly as numpy does.
        flags = ["/O2"] if self.compiler.compiler_type == "msvc" else ["-O3", "-fno-fast-math"]
        for ext in self.extensions:
            ext.extra_compile_args = flags + ext.extra_compile_args
        super().build_extensions()


setup(
    ext_modules=[
        Extension(
            "dedup.accel._native",
            sources=[f"{NATIVE}/_native.c"],
            depends=[f"{NATIVE}/{name}" for name in ("xxhash.h", "sort.h", "pairs.h", "text.h")],
            include_dirs=[NATIVE, numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            # DEDUP_REQUIRE_NATIVE=1 (tests/run.sh, CI): a compile error fails the install
            # instead of leaving dedup on its numpy loops.
            optional=os.environ.get("DEDUP_REQUIRE_NATIVE", "") != "1",
        )
    ],
    cmdclass={"build_ext": BuildExt},
)
