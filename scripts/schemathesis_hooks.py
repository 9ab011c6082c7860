"""Schemathesis hooks of scripts/schemathesis (loaded through SCHEMATHESIS_HOOKS).

The server stream (StreamRankCandidates) answers application/x-ndjson: one
response message per line. Its document gives the message's schema; to check
every line against it, the lines are merged as protobuf merges messages of a
stream (repeated fields concatenated, message fields merged, scalars last one
wins), which is valid against the message schema exactly when each line is.
"""

import json

import schemathesis


def _merge(into, line):
    for key, value in line.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value)
        elif key in into and isinstance(into[key], list) and isinstance(value, list):
            into[key].extend(value)
        else:
            into[key] = value
    return into


@schemathesis.deserializer("application/x-ndjson")
def newline_delimited_json(ctx, response):
    merged = {}
    for number, line in enumerate(response.content.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            raise ValueError(f"line {number} is blank")
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError(f"line {number} is not a JSON object")
        _merge(merged, message)
    return merged
