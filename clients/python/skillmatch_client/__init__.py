"""Python client of the skillmatch gRPC API.

    from skillmatch_client import Client
    with Client("localhost:50051", api_key) as client:
        for found in client.extract("Data analyst: SQL and Python"):
            print(found.competency.preferred_label, found.score)

The generated messages and stubs are in `skillmatch.v1` (`*_pb2`, `*_pb2_grpc`).
"""

from .client import Client
from .errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    SkillmatchError,
    Unauthenticated,
)

__all__ = [
    "Client",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "SkillmatchError",
    "Unauthenticated",
]
