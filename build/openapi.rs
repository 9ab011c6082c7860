//! The OpenAPI 3 document of the HTTP/JSON edge, derived from the descriptor
//! set: one `POST /<package>.<Service>/<Method>` operation per RPC, and one
//! schema per message in the proto3 canonical JSON mapping (lowerCamelCase
//! names, 64-bit integers as decimal strings, enums by name, bytes as base64).
//! Descriptions are the proto comments.

use std::collections::BTreeMap;

use anyhow::Context;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet, SourceCodeInfo};
use serde_json::{Map, Value, json};

/// The schema name of the JSON error body.
const ERROR_SCHEMA: &str = "connect.Error";

/// Source-code-info path tags (descriptor.proto field numbers).
const MESSAGE_TYPE: i32 = 4;
const ENUM_TYPE: i32 = 5;
const SERVICE: i32 = 6;
const NESTED_TYPE: i32 = 3;
const NESTED_ENUM: i32 = 4;
const FIELD: i32 = 2;
const METHOD: i32 = 2;

/// The document as pretty JSON.
pub fn document(descriptors: &FileDescriptorSet, package: &str) -> anyhow::Result<String> {
    let mut schemas = Map::new();
    let mut paths = Map::new();
    for file in &descriptors.file {
        let comments = Comments::new(file.source_code_info.as_ref());
        let prefix = format!(".{}", file.package());
        for (i, message) in file.message_type.iter().enumerate() {
            add_message(
                &mut schemas,
                &comments,
                &prefix,
                message,
                vec![MESSAGE_TYPE, index(i)],
            );
        }
        for (i, enumeration) in file.enum_type.iter().enumerate() {
            let name = format!("{prefix}.{}", enumeration.name());
            let description = comments.get(&[ENUM_TYPE, index(i)]);
            schemas.insert(schema_name(&name), enum_schema(enumeration, description));
        }
        if file.package() != package {
            continue;
        }
        for (s, service) in file.service.iter().enumerate() {
            for (m, method) in service.method.iter().enumerate() {
                if method.client_streaming() {
                    continue;
                }
                let description = comments.get(&[SERVICE, index(s), METHOD, index(m)]);
                let path = format!("/{package}.{}/{}", service.name(), method.name());
                let response_type = if method.server_streaming() {
                    "application/x-ndjson"
                } else {
                    "application/json"
                };
                let mut operation = json!({
                    "operationId": format!("{}_{}", service.name(), method.name()),
                    "tags": [service.name()],
                    "summary": first_sentence(&description).unwrap_or_else(|| method.name().to_owned()),
                    "description": description,
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": reference(method.input_type())}}
                    },
                    "responses": {
                        "200": {
                            "description": if method.server_streaming() {
                                "One JSON object per line, one per streamed message; an error after the first line arrives as a last line `{\"error\": Error}`."
                            } else {
                                "The response message."
                            },
                            "content": {response_type: {"schema": reference(method.output_type())}}
                        },
                        "default": {
                            "description": "An error: the gRPC status code by its Connect name, the message and the google.rpc details.",
                            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{ERROR_SCHEMA}")}}}
                        }
                    }
                });
                if description.is_empty() {
                    operation
                        .as_object_mut()
                        .context("operation")?
                        .remove("description");
                }
                paths.insert(path, json!({ "post": operation }));
            }
        }
    }
    schemas.insert(ERROR_SCHEMA.to_owned(), error_schema());
    let document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "skillmatch",
            "version": std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
            "description": "The HTTP/JSON form of the skillmatch gRPC services (Connect protocol, unary JSON): POST the request message as proto3 JSON to /<package>.<Service>/<Method>. Generated from the protos at build time."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key from `skillmatch keys add`; not needed when the server runs without keys."}
            }
        },
        "security": [{"apiKey": []}, {}]
    });
    serde_json::to_string_pretty(&document).context("serialising the OpenAPI document")
}

/// The first sentence of a comment, for an operation's summary.
fn first_sentence(comment: &str) -> Option<String> {
    let flat = comment.replace('\n', " ");
    let end = flat.find(". ").map_or(flat.len(), |dot| dot + 1);
    Some(flat[..end].trim().to_owned()).filter(|sentence| !sentence.is_empty())
}

fn index(i: usize) -> i32 {
    i32::try_from(i).expect("descriptor index fits i32")
}

/// `.skillmatch.v1.Foo.Bar` -> `skillmatch.v1.Foo.Bar`.
fn schema_name(full_name: &str) -> String {
    full_name.trim_start_matches('.').to_owned()
}

fn reference(full_name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema_name(full_name)) })
}

fn add_message(
    schemas: &mut Map<String, Value>,
    comments: &Comments,
    prefix: &str,
    message: &DescriptorProto,
    path: Vec<i32>,
) {
    let name = format!("{prefix}.{}", message.name());
    for (i, nested) in message.nested_type.iter().enumerate() {
        let mut nested_path = path.clone();
        nested_path.extend([NESTED_TYPE, index(i)]);
        add_message(schemas, comments, &name, nested, nested_path);
    }
    for (i, enumeration) in message.enum_type.iter().enumerate() {
        let mut enum_path = path.clone();
        enum_path.extend([NESTED_ENUM, index(i)]);
        let enum_name = format!("{name}.{}", enumeration.name());
        schemas.insert(
            schema_name(&enum_name),
            enum_schema(enumeration, comments.get(&enum_path)),
        );
    }
    if message.options.as_ref().is_some_and(|o| o.map_entry()) {
        return; // map entries are inlined as `additionalProperties`
    }
    let maps: BTreeMap<String, &DescriptorProto> = message
        .nested_type
        .iter()
        .filter(|n| n.options.as_ref().is_some_and(|o| o.map_entry()))
        .map(|n| (format!("{name}.{}", n.name()), n))
        .collect();
    let mut properties = Map::new();
    for (i, field) in message.field.iter().enumerate() {
        let mut field_path = path.clone();
        field_path.extend([FIELD, index(i)]);
        let mut schema = match maps.get(field.type_name()) {
            Some(entry) => json!({
                "type": "object",
                "additionalProperties": entry.field.get(1).map_or(json!({}), scalar_or_ref),
            }),
            None if field.label() == Label::Repeated => {
                json!({ "type": "array", "items": scalar_or_ref(field) })
            }
            None => scalar_or_ref(field),
        };
        let description = comments.get(&field_path);
        if !description.is_empty() {
            schema = with_description(schema, &description);
        }
        properties.insert(field.json_name().to_owned(), schema);
    }
    let mut schema = json!({ "type": "object", "properties": properties });
    let description = comments.get(&path);
    if !description.is_empty() {
        schema["description"] = Value::String(description);
    }
    schemas.insert(schema_name(&name), schema);
}

/// A `$ref` cannot carry siblings in OpenAPI 3.0, so a described reference
/// becomes `allOf: [$ref]`.
fn with_description(mut schema: Value, description: &str) -> Value {
    if schema.get("$ref").is_some() {
        schema = json!({ "allOf": [schema] });
    }
    schema["description"] = Value::String(description.to_owned());
    schema
}

/// The proto3 JSON form of one (non-repeated) field's value.
fn scalar_or_ref(field: &FieldDescriptorProto) -> Value {
    match field.r#type() {
        Type::Message | Type::Group | Type::Enum => reference(field.type_name()),
        Type::Double | Type::Float => json!({ "type": "number" }),
        Type::Int32 | Type::Sint32 | Type::Sfixed32 => {
            json!({ "type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX })
        }
        Type::Uint32 | Type::Fixed32 => {
            json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX })
        }
        Type::Int64 | Type::Sint64 | Type::Sfixed64 => {
            json!({ "type": "string", "format": "int64", "pattern": "^-?[0-9]{1,19}$" })
        }
        Type::Uint64 | Type::Fixed64 => {
            json!({ "type": "string", "format": "uint64", "pattern": "^[0-9]{1,20}$" })
        }
        Type::Bool => json!({ "type": "boolean" }),
        Type::String => json!({ "type": "string" }),
        Type::Bytes => json!({ "type": "string", "format": "byte" }),
    }
}

fn enum_schema(enumeration: &prost_types::EnumDescriptorProto, description: String) -> Value {
    let names: Vec<&str> = enumeration.value.iter().map(|v| v.name()).collect();
    let mut schema = json!({ "type": "string", "enum": names });
    if !description.is_empty() {
        schema["description"] = Value::String(description);
    }
    schema
}

/// The error body (the Connect protocol's error JSON).
fn error_schema() -> Value {
    let codes = [
        "canceled",
        "unknown",
        "invalid_argument",
        "deadline_exceeded",
        "not_found",
        "already_exists",
        "permission_denied",
        "resource_exhausted",
        "failed_precondition",
        "aborted",
        "out_of_range",
        "unimplemented",
        "internal",
        "unavailable",
        "data_loss",
        "unauthenticated",
    ];
    json!({
        "type": "object",
        "required": ["code"],
        "properties": {
            "code": {"type": "string", "enum": codes, "description": "The gRPC status code, lower snake case."},
            "message": {"type": "string"},
            "details": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "value"],
                    "properties": {
                        "type": {"type": "string", "description": "The detail's message type, e.g. google.rpc.BadRequest."},
                        "value": {"type": "string", "format": "byte", "description": "The detail message, protobuf-encoded, base64."},
                        "debug": {"type": "object", "description": "The detail in proto3 JSON, e.g. {\"fieldViolations\": [{\"field\", \"description\"}]}."}
                    }
                }
            }
        }
    })
}

/// Leading comments by source-code-info path.
struct Comments(BTreeMap<Vec<i32>, String>);

impl Comments {
    fn new(info: Option<&SourceCodeInfo>) -> Self {
        let mut comments = BTreeMap::new();
        for location in info.map(|i| i.location.as_slice()).unwrap_or_default() {
            if let Some(text) = &location.leading_comments {
                let text: Vec<&str> = text.lines().map(str::trim).collect();
                comments.insert(location.path.clone(), text.join("\n").trim().to_owned());
            }
        }
        Self(comments)
    }

    fn get(&self, path: &[i32]) -> String {
        self.0.get(path).cloned().unwrap_or_default()
    }
}
