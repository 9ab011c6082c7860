"""gRPC failures as exceptions, with the google.rpc field violations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple, Type

import grpc
from google.rpc import error_details_pb2, status_pb2

_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: its path (e.g. `candidate.competencies[0].uri`) and why."""

    field: str
    description: str


class SkillmatchError(Exception):
    """A call failed; `code` is the gRPC status code."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        field_violations: Tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.field_violations = field_violations


class InvalidArgument(SkillmatchError):
    """The request is invalid; `field_violations` names each bad field."""


class NotFound(SkillmatchError):
    """An id or URI the request names does not exist."""


class Unauthenticated(SkillmatchError):
    """No API key, or an unknown one."""


class PermissionDenied(SkillmatchError):
    """The key's role may not do this."""


class FailedPrecondition(SkillmatchError):
    """The request cannot be served in the current state."""


_BY_CODE: Dict[grpc.StatusCode, Type[SkillmatchError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
}


def field_violations(error: grpc.RpcError) -> Tuple[FieldViolation, ...]:
    """The google.rpc.BadRequest violations in a failed call's trailers."""
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    found: List[FieldViolation] = []
    for key, value in trailers or ():
        if key != _DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                found.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
    return tuple(found)


def from_rpc_error(error: grpc.RpcError) -> SkillmatchError:
    """The exception for a failed call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    kind = _BY_CODE.get(code, SkillmatchError)
    return kind(code, message or "", field_violations(error))
