#!/usr/bin/env python3
"""Runs the grpcurl examples of README.md against a running skillmatch server.

grpcurl is not needed: every `grpcurl ... -d '<json>' ADDRESS METHOD` command in
the README's fenced code blocks is parsed, the method and its request message
are resolved through server reflection (v1, as grpcurl does), and exactly the
README's JSON payload is sent with Python grpcio. `grpcurl ... list` is checked
to show the skillmatch services, health and reflection. Exits non-zero when any
example fails, so the README cannot drift from the server.
"""

import argparse
import shlex
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_reflection.v1alpha.reflection_pb2 import (
    ServerReflectionRequest,
    ServerReflectionResponse,
)

README_ADDRESS = "localhost:50051"
LISTED_SERVICES = [
    "skillmatch.v1.TaxonomyService",
    "skillmatch.v1.CatalogService",
    "skillmatch.v1.MatchService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
]
DOCUMENTED_METHODS = [
    "skillmatch.v1.TaxonomyService/SearchCompetencies",
    "skillmatch.v1.CatalogService/GetCredential",
    "skillmatch.v1.CatalogService/ListCredentials",
    "skillmatch.v1.CatalogService/UpsertCredentials",
    "skillmatch.v1.MatchService/MatchCredentials",
    "skillmatch.v1.TaxonomyService/ExtractCompetencies",
    "skillmatch.v1.MatchService/AnalyzeGap",
    "skillmatch.v1.MatchService/PlanUpskilling",
    "skillmatch.v1.CandidateService/UpsertCandidate",
    "skillmatch.v1.MatchService/StreamRankCandidates",
    "skillmatch.v1.CandidateService/DeleteCandidate",
]
TIMEOUT_SECONDS = 60


class V1ReflectionStub:
    """The grpc.reflection.v1 method, with the wire-identical v1alpha messages."""

    def __init__(self, channel):
        self.ServerReflectionInfo = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=ServerReflectionRequest.SerializeToString,
            response_deserializer=ServerReflectionResponse.FromString,
        )


class Example:
    """One grpcurl command of the README."""

    def __init__(self, line, argv):
        self.line = line
        self.argv = argv
        self.data = None
        positional = []
        args = iter(argv[1:])
        for arg in args:
            if arg == "-d":
                self.data = next(args)
            elif arg.startswith("-"):
                continue
            else:
                positional.append(arg)
        if len(positional) != 2:
            raise ValueError(f"README line {line}: expected ADDRESS and METHOD in {argv}")
        self.address, self.target = positional

    def __str__(self):
        return f"README line {self.line}: grpcurl {self.target}"


def grpcurl_commands(text):
    """Yields (line number, argv) of every grpcurl command in fenced code blocks."""
    in_block = False
    pending = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_block = not in_block
            pending = None
            continue
        if not in_block:
            continue
        if pending is None:
            if not line.lstrip().startswith("grpcurl "):
                continue
            pending, start = line, number
        else:
            pending += "\n" + line
        if pending.rstrip().endswith("\\"):
            continue
        try:
            argv = shlex.split(pending.replace("\\\n", " "))
        except ValueError:
            continue  # a quoted payload continues on the next line
        yield start, argv
        pending = None


def check_list(database):
    services = set(database.get_services())
    missing = [name for name in LISTED_SERVICES if name not in services]
    if missing:
        raise AssertionError(f"list is missing {missing}; it shows {sorted(services)}")
    return "\n".join(sorted(services))


def call(channel, pool, target, data):
    service_name, _, method_name = target.partition("/")
    service = pool.FindServiceByName(service_name)
    method = service.FindMethodByName(method_name)
    if method is None:
        raise AssertionError(f"{service_name} has no method {method_name}")
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    request = json_format.Parse(data or "{}", request_class())
    path = f"/{service.full_name}/{method.name}"
    if method.server_streaming:
        # grpcurl prints every message of a server stream; so do we.
        stub = channel.unary_stream(
            path,
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        responses = list(stub(request, timeout=TIMEOUT_SECONDS))
        if not any(response.ListFields() for response in responses):
            raise AssertionError("the stream carried no data")
        return "\n".join(json_format.MessageToJson(r, indent=2) for r in responses)
    stub = channel.unary_unary(
        path,
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    response = stub(request, timeout=TIMEOUT_SECONDS)
    if method.output_type.fields and not response.ListFields():
        raise AssertionError("the response is empty")
    return json_format.MessageToJson(response, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", required=True, help="HOST:PORT of a running server")
    parser.add_argument("--readme", default="README.md", help="path of README.md")
    args = parser.parse_args()

    with open(args.readme, encoding="utf-8") as readme:
        examples = [Example(line, argv) for line, argv in grpcurl_commands(readme.read())]
    targets = {example.target for example in examples}
    undocumented = [name for name in ["list", *DOCUMENTED_METHODS] if name not in targets]
    if undocumented:
        print(f"README.md has no grpcurl example for {undocumented}", file=sys.stderr)
        return 1

    channel = grpc.insecure_channel(args.addr)
    database = ProtoReflectionDescriptorDatabase(channel)
    database._stub = V1ReflectionStub(channel)  # ask v1 first, as grpcurl does
    pool = descriptor_pool.DescriptorPool(database)

    failures = []
    for example in examples:
        print(f"== {example}", flush=True)
        try:
            if example.address != README_ADDRESS:
                raise AssertionError(
                    f"uses {example.address}; README examples target {README_ADDRESS}"
                )
            if example.target == "list":
                print(check_list(database))
            else:
                print(call(channel, pool, example.target, example.data))
        except (AssertionError, KeyError, grpc.RpcError, json_format.ParseError) as error:
            failures.append(f"{example}: {error}")
            print(f"FAILED: {error}", flush=True)
    channel.close()

    if failures:
        print("\n".join(["README examples failed:", *failures]), file=sys.stderr)
        return 1
    print(f"all {len(examples)} README examples passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
