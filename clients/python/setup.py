"""Generates the protobuf and gRPC stubs of ../../proto/skillmatch/v1 into the
build, as the packages `skillmatch` and `skillmatch.v1`, with grpcio-tools
(pinned in pyproject.toml). SKILLMATCH_PROTO_DIR overrides the proto root."""

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROTO_ROOT = Path(os.environ.get("SKILLMATCH_PROTO_DIR", HERE.parent.parent / "proto"))


class BuildWithStubs(build_py):
    """build_py, then protoc into the build directory."""

    def run(self):
        super().run()
        generate(Path(self.build_lib))


def generate(out: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    package_dir = PROTO_ROOT / "skillmatch" / "v1"
    files = sorted(str(p.relative_to(PROTO_ROOT)) for p in package_dir.glob("*.proto"))
    if not files:
        raise RuntimeError(f"no .proto files in {package_dir}")
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed on " + ", ".join(files))
    for package in (out / "skillmatch", out / "skillmatch" / "v1"):
        (package / "__init__.py").touch()


setup(cmdclass={"build_py": BuildWithStubs})
