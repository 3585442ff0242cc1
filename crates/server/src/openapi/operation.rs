//! One operation of the OpenAPI document as the route table declares it: what it takes and what it
//! answers. The answers' schemas are the Rust types', generated; what a type cannot say (a grammar, a
//! file) is written where the operation is.

use std::borrow::Cow;

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value as Json, json};

use super::facts::Fact;

/// The schema of a parameter, a body or an answer.
#[derive(Clone)]
pub enum Schema {
    /// A Rust type's: generated into the components, referenced here.
    Type(fn(&mut SchemaGenerator) -> schemars::Schema),
    /// Written out, for what has no type of its own: a query grammar, a file.
    Literal(Json),
}

impl Schema {
    pub fn of<T: JsonSchema>() -> Self {
        Schema::Type(|generator| generator.subschema_for::<T>())
    }

    pub fn literal(schema: Json) -> Self {
        Schema::Literal(schema)
    }

    /// A file's bytes.
    pub fn binary() -> Self {
        Schema::Literal(json!({"type": "string", "format": "binary"}))
    }

    /// A text (CSV, HTML, the metrics).
    pub fn text() -> Self {
        Schema::Literal(json!({"type": "string"}))
    }

    fn render(&self, generator: &mut SchemaGenerator) -> Json {
        match self {
            Schema::Type(schema) => schema(generator).to_value(),
            Schema::Literal(schema) => schema.clone(),
        }
    }
}

/// A query or path parameter.
#[derive(Clone)]
pub struct Parameter {
    name: &'static str,
    location: &'static str,
    required: bool,
    description: Cow<'static, str>,
    schema: Schema,
    /// A form-style object or list: whether its members come as parameters of their own.
    explode: Option<bool>,
    fact: Option<Fact>,
}

impl Parameter {
    /// An optional query parameter.
    pub fn query(name: &'static str, description: impl Into<Cow<'static, str>>, schema: Schema) -> Self {
        Parameter {
            name,
            location: "query",
            required: false,
            description: description.into(),
            schema,
            explode: None,
            fact: None,
        }
    }

    pub fn path(name: &'static str, description: impl Into<Cow<'static, str>>, schema: Schema) -> Self {
        Parameter {
            location: "path",
            required: true,
            ..Parameter::query(name, description, schema)
        }
    }

    pub fn required(self) -> Self {
        Parameter {
            required: true,
            ..self
        }
    }

    /// Sent in form style: exploded (`?lat=…&lon=…`) or as one comma-separated value.
    pub fn form(self, explode: bool) -> Self {
        Parameter {
            explode: Some(explode),
            ..self
        }
    }

    /// Examples (or a pattern) the facts pass fills in from the loaded data.
    pub fn fact(self, fact: Fact) -> Self {
        Parameter {
            fact: Some(fact),
            ..self
        }
    }

    fn render(&self, generator: &mut SchemaGenerator) -> Json {
        let mut parameter = json!({
            "name": self.name, "in": self.location, "required": self.required,
            "description": self.description, "schema": self.schema.render(generator),
        });
        if let Some(explode) = self.explode {
            parameter["style"] = "form".into();
            parameter["explode"] = explode.into();
        }
        if let Some(fact) = self.fact {
            parameter[Fact::KEY] = fact.mark();
        }
        parameter
    }
}

/// One media type of a body or an answer.
#[derive(Clone)]
pub struct Media {
    kind: &'static str,
    schema: Schema,
    fact: Option<Fact>,
}

impl Media {
    pub fn new(kind: &'static str, schema: Schema) -> Self {
        Media {
            kind,
            schema,
            fact: None,
        }
    }

    pub fn json<T: JsonSchema>() -> Self {
        Media::new("application/json", Schema::of::<T>())
    }

    /// An example the facts pass writes from the loaded data.
    pub fn fact(self, fact: Fact) -> Self {
        Media {
            fact: Some(fact),
            ..self
        }
    }
}

fn content(media: &[Media], generator: &mut SchemaGenerator) -> Json {
    let mut content = Map::new();
    for m in media {
        let mut entry = json!({"schema": m.schema.render(generator)});
        if let Some(fact) = m.fact {
            entry[Fact::KEY] = fact.mark();
        }
        content.insert(m.kind.to_string(), entry);
    }
    Json::Object(content)
}

/// One answer of an operation, by status.
#[derive(Clone)]
struct Reply {
    status: u16,
    description: Cow<'static, str>,
    media: Vec<Media>,
    headers: Map<String, Json>,
    links: Option<Json>,
}

impl Reply {
    fn render(&self, generator: &mut SchemaGenerator) -> Json {
        let mut reply = json!({"description": self.description});
        if !self.media.is_empty() {
            reply["content"] = content(&self.media, generator);
        }
        if !self.headers.is_empty() {
            reply["headers"] = Json::Object(self.headers.clone());
        }
        if let Some(links) = &self.links {
            reply["links"] = links.clone();
        }
        reply
    }
}

fn header(description: impl Into<String>, schema: Json) -> Json {
    json!({"description": description.into(), "schema": schema})
}

/// An operation: a method on a documented path.
#[derive(Clone)]
pub struct Operation {
    pub method: &'static str,
    /// As the document spells it: its route's path, unless [`Operation::at`] says otherwise.
    pub path: &'static str,
    pub id: &'static str,
    tag: &'static str,
    summary: Cow<'static, str>,
    description: Option<&'static str>,
    parameters: Vec<Parameter>,
    body: Vec<Media>,
    replies: Vec<Reply>,
}

impl Operation {
    pub fn get(id: &'static str, tag: &'static str, summary: impl Into<Cow<'static, str>>) -> Self {
        Operation {
            method: "get",
            path: "",
            id,
            tag,
            summary: summary.into(),
            description: None,
            parameters: Vec::new(),
            body: Vec::new(),
            replies: Vec::new(),
        }
    }

    pub fn post(id: &'static str, tag: &'static str, summary: impl Into<Cow<'static, str>>) -> Self {
        Operation {
            method: "post",
            ..Operation::get(id, tag, summary)
        }
    }

    /// Documented at `path` rather than at its route's: `/api/layers/{layer}.geojson` where the
    /// router has one `/api/layers/{file}` route for every format.
    pub fn at(self, path: &'static str) -> Self {
        Operation { path, ..self }
    }

    pub fn describe(self, description: &'static str) -> Self {
        Operation {
            description: Some(description),
            ..self
        }
    }

    pub fn params(mut self, parameters: impl IntoIterator<Item = Parameter>) -> Self {
        self.parameters.extend(parameters);
        self
    }

    /// The request body, required, in each of `media`.
    pub fn body(mut self, media: impl IntoIterator<Item = Media>) -> Self {
        self.body.extend(media);
        self
    }

    /// A 200 in each of `media`.
    pub fn ok(
        self,
        description: impl Into<Cow<'static, str>>,
        media: impl IntoIterator<Item = Media>,
    ) -> Self {
        self.reply(200, description, media)
    }

    /// A 200 of `T` as JSON.
    pub fn json<T: JsonSchema>(self, description: &'static str) -> Self {
        self.ok(description, [Media::json::<T>()])
    }

    pub fn reply(
        mut self,
        status: u16,
        description: impl Into<Cow<'static, str>>,
        media: impl IntoIterator<Item = Media>,
    ) -> Self {
        self.replies.push(Reply {
            status,
            description: description.into(),
            media: media.into_iter().collect(),
            headers: Map::new(),
            links: None,
        });
        self
    }

    /// An error answer: the JSON [`super::components::ErrorBody`].
    pub fn error(self, status: u16, description: impl Into<Cow<'static, str>>) -> Self {
        self.reply(
            status,
            description,
            [Media::json::<super::components::ErrorBody>()],
        )
    }

    /// The 400 of a parameter that is missing, malformed, repeated or unknown.
    pub fn bad_request(self) -> Self {
        self.error(
            400,
            "a parameter is missing, malformed, repeated or unknown; `error.parameter` names it",
        )
    }

    pub fn not_found(self, what: &str) -> Self {
        self.error(404, format!("no such {what}"))
    }

    fn header_on(mut self, status: u16, name: &str, header: Json) -> Self {
        if let Some(reply) = self.replies.iter_mut().find(|r| r.status == status) {
            reply.headers.insert(name.to_string(), header);
        }
        self
    }

    /// Answered with an entity tag, and a 304 for a matching `If-None-Match` (weak or strong).
    pub fn etagged(self) -> Self {
        let string = json!({"type": "string"});
        let mut op = self
            .header_on(
                200,
                "ETag",
                header(
                    "entity tag; send it back as If-None-Match for a 304",
                    string.clone(),
                ),
            )
            .header_on(
                200,
                "Cache-Control",
                header("public, max-age=3600", string.clone()),
            );
        op.replies.push(Reply {
            status: 304,
            description: "not modified: the If-None-Match tag matches".into(),
            media: Vec::new(),
            headers: [("ETag".to_string(), header("the entity tag", string))]
                .into_iter()
                .collect(),
            links: None,
        });
        op
    }

    /// Features in a system: `Content-Crs` names it by URI, in angle brackets (OGC API – Features
    /// Part 2).
    pub fn content_crs(self) -> Self {
        self.header_on(
            200,
            "Content-Crs",
            header(
                "the system of the geometry, `<URI>`",
                json!({"type": "string", "pattern": "^<http://www\\.opengis\\.net/def/crs/.+>$"}),
            ),
        )
    }

    /// A file to save: `Content-Disposition` names it.
    pub fn download(self, file_name: &str) -> Self {
        self.header_on(
            200,
            "Content-Disposition",
            header(
                format!("attachment; filename=\"{file_name}\""),
                json!({"type": "string"}),
            ),
        )
    }

    /// One byte range of the file, in `kind`: a 206, a 416, and `Accept-Ranges` on the 200.
    pub fn ranges(self, kind: &'static str) -> Self {
        self.reply(
            206,
            "the one byte range asked for (Range: bytes=first-last, first-, or -suffix) of the whole layer's file",
            [Media::new(kind, Schema::binary())],
        )
        .header_on(
            206,
            "Content-Range",
            header("bytes first-last/length", json!({"type": "string"})),
        )
        .header_on(
            200,
            "Accept-Ranges",
            header(
                "bytes, when the answer is not compressed",
                json!({"type": "string", "enum": ["bytes"]}),
            ),
        )
        .error(416, "the range starts past the end of the file")
    }

    /// `Retry-After` on an answer that will pass later.
    pub fn retry_after(self, status: u16) -> Self {
        self.header_on(
            status,
            "Retry-After",
            header("seconds to wait", json!({"type": "integer", "minimum": 0})),
        )
    }

    /// OpenAPI links from the 200 to other operations.
    pub fn links(mut self, links: Json) -> Self {
        if let Some(reply) = self.replies.iter_mut().find(|r| r.status == 200) {
            reply.links = Some(links);
        }
        self
    }

    pub fn render(&self, generator: &mut SchemaGenerator) -> Json {
        let mut responses = Map::new();
        for reply in &self.replies {
            responses.insert(reply.status.to_string(), reply.render(generator));
        }
        // Any route may be refused by a rate limit, when the server runs with one.
        responses.insert(
            "429".into(),
            json!({"$ref": "#/components/responses/TooManyRequests"}),
        );
        let mut operation = json!({
            "operationId": self.id, "tags": [self.tag], "summary": self.summary,
            "parameters": self.parameters.iter().map(|p| p.render(generator)).collect::<Vec<_>>(),
            "responses": responses,
        });
        if let Some(description) = self.description {
            operation["description"] = description.into();
        }
        if !self.body.is_empty() {
            operation["requestBody"] = json!({"required": true, "content": content(&self.body, generator)});
        }
        operation
    }
}

/// OpenAPI links from an answer to the operations that take `layer` and `id`.
pub fn feature_links(layer: &str, id: &str) -> Json {
    let parameters = json!({"layer": layer, "id": id});
    json!({
        "GetTerritory": {"operationId": "getTerritory", "parameters": parameters},
        "GetPortrait": {"operationId": "getPortrait", "parameters": parameters},
        "GetMembersCsv": {"operationId": "getMembersCsv", "parameters": parameters},
        "GetMembersGeojson": {"operationId": "getMembersGeojson", "parameters": parameters},
        "GetPortraitPage": {"operationId": "getPortraitPage", "parameters": parameters},
    })
}
