//! Documents through the official AWS SDK against the real server, on SQLite and
//! PostgreSQL: create (JSON and YAML), versions and version names, default version,
//! format conversion, built-ins, filters, tags, limits and refusals.

mod common;

use aws_sdk_ssm::types::{
    DocumentFilter, DocumentFilterKey, DocumentFormat, DocumentKeyValuesFilter, DocumentType,
    ResourceTypeForTagging, Tag,
};
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::{aws_error, TestServer};

const JSON_DOC: &str = r#"{
  "schemaVersion": "2.2",
  "description": "Says hello",
  "parameters": {
    "greeting": {"type": "String", "default": "hello", "allowedValues": ["hello", "hi"]},
    "count": {"type": "Integer", "default": 1}
  },
  "mainSteps": [
    {"action": "aws:runShellScript", "name": "greet",
     "inputs": {"runCommand": ["echo {{ greeting }}"], "timeoutSeconds": 60}}
  ]
}"#;

const YAML_DOC: &str = "schemaVersion: '2.2'
description: Says hello twice
parameters:
  greeting:
    type: String
    default: hello
mainSteps:
  - action: aws:runShellScript
    name: greet
    inputs:
      runCommand:
        - echo {{ greeting }}
        - echo {{ greeting }}
";

#[tokio::test]
async fn documents_versions_formats_and_rules() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

        let created = ssm
            .create_document()
            .name("Hello-World")
            .content(JSON_DOC)
            .document_type(DocumentType::Command)
            .document_format(DocumentFormat::Json)
            .version_name("first")
            .tags(
                Tag::builder()
                    .key("team")
                    .value("ops")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect("create");
        let d = created.document_description().expect("description");
        assert_eq!(d.document_version(), Some("1"));
        assert_eq!(d.default_version(), Some("1"));
        assert_eq!(d.schema_version(), Some("2.2"));
        assert_eq!(d.owner(), Some(srv.core.account_id()));
        assert_eq!(d.parameters().len(), 2);
        assert_eq!(d.parameters()[0].name(), Some("greeting"));
        assert_eq!(d.platform_types().len(), 2);
        assert_eq!(d.hash_type().map(|h| h.as_str()), Some("Sha256"));

        let e = ssm
            .create_document()
            .name("Hello-World")
            .content(JSON_DOC)
            .send()
            .await
            .expect_err("exists");
        assert_eq!(aws_error(&e).0, "DocumentAlreadyExists");

        // Version 2 in YAML; the same content again is refused.
        let v2 = ssm
            .update_document()
            .name("Hello-World")
            .content(YAML_DOC)
            .document_format(DocumentFormat::Yaml)
            .document_version("$LATEST")
            .send()
            .await
            .expect("update");
        assert_eq!(
            v2.document_description().and_then(|d| d.document_version()),
            Some("2")
        );
        let e = ssm
            .update_document()
            .name("Hello-World")
            .content(YAML_DOC)
            .document_format(DocumentFormat::Yaml)
            .send()
            .await
            .expect_err("same content");
        assert_eq!(aws_error(&e).0, "DuplicateDocumentContent");
        let e = ssm
            .update_document()
            .name("Hello-World")
            .content(JSON_DOC.replace("Says hello", "Says hi"))
            .document_version("1")
            .send()
            .await
            .expect_err("only the latest");
        assert_eq!(aws_error(&e).0, "InvalidDocumentVersion");

        // Default stays 1; $LATEST is 2; a version by name; conversion both ways.
        let got = ssm
            .get_document()
            .name("Hello-World")
            .send()
            .await
            .expect("get default");
        assert_eq!(got.document_version(), Some("1"));
        assert_eq!(got.content(), Some(JSON_DOC), "stored as written");
        let got = ssm
            .get_document()
            .name("Hello-World")
            .version_name("first")
            .document_format(DocumentFormat::Yaml)
            .send()
            .await
            .expect("get as YAML");
        let yaml = got.content().expect("content");
        assert!(yaml.contains("schemaVersion"), "{yaml}");
        assert!(
            yaml.find("schemaVersion") < yaml.find("mainSteps"),
            "keys keep their order: {yaml}"
        );
        let got = ssm
            .get_document()
            .name(format!(
                "arn:aws:ssm:eu-west-1:{}:document/Hello-World",
                srv.core.account_id()
            ))
            .document_version("$LATEST")
            .document_format(DocumentFormat::Json)
            .send()
            .await
            .expect("get latest as JSON by ARN");
        let json: serde_json::Value =
            serde_json::from_str(got.content().expect("content")).expect("JSON");
        assert_eq!(
            json["mainSteps"][0]["inputs"]["runCommand"][1],
            "echo {{ greeting }}"
        );
        let e = ssm
            .get_document()
            .name("Hello-World")
            .document_version("9")
            .send()
            .await
            .expect_err("no such version");
        assert_eq!(aws_error(&e).0, "InvalidDocumentVersion");

        let versions = ssm
            .list_document_versions()
            .name("Hello-World")
            .send()
            .await
            .expect("versions");
        let vs = versions.document_versions();
        assert_eq!(vs.len(), 2);
        assert_eq!(vs[0].document_version(), Some("2"));
        assert_eq!(vs[1].version_name(), Some("first"));
        assert!(vs[1].is_default_version());

        let e = ssm
            .delete_document()
            .name("Hello-World")
            .document_version("1")
            .send()
            .await
            .expect_err("the default version stays");
        assert_eq!(aws_error(&e).0, "InvalidDocumentOperation");
        let def = ssm
            .update_document_default_version()
            .name("Hello-World")
            .document_version("2")
            .send()
            .await
            .expect("default 2");
        assert_eq!(
            def.description().and_then(|d| d.default_version()),
            Some("2")
        );
        ssm.delete_document()
            .name("Hello-World")
            .version_name("first")
            .send()
            .await
            .expect("delete version 1 by name");
        let d = ssm
            .describe_document()
            .name("Hello-World")
            .send()
            .await
            .expect("describe");
        let d = d.document().expect("document");
        assert_eq!(
            (d.document_version(), d.description(), d.latest_version()),
            (Some("2"), Some("Says hello twice"), Some("2"))
        );
        assert_eq!(d.tags().len(), 1);

        // Built-ins: listed as Amazon's, readable, not changeable; names reserved.
        let shell = ssm
            .describe_document()
            .name("AWS-RunShellScript")
            .send()
            .await
            .expect("built-in");
        let shell = shell.document().expect("doc");
        assert_eq!(shell.owner(), Some("Amazon"));
        assert_eq!(shell.schema_version(), Some("1.2"));
        assert_eq!(shell.parameters()[0].name(), Some("commands"));
        let e = ssm
            .update_document()
            .name("AWS-RunShellScript")
            .content(JSON_DOC)
            .send()
            .await
            .expect_err("read-only");
        assert_eq!(aws_error(&e).0, "InvalidDocumentOperation");
        let e = ssm
            .create_document()
            .name("AWS-Mine")
            .content(JSON_DOC)
            .send()
            .await
            .expect_err("reserved");
        assert_eq!(aws_error(&e).0, "ValidationException");

        // Filters.
        let mine = ssm
            .list_documents()
            .filters(
                DocumentKeyValuesFilter::builder()
                    .key("Owner")
                    .values("Self")
                    .build(),
            )
            .send()
            .await
            .expect("mine");
        let names: Vec<_> = mine
            .document_identifiers()
            .iter()
            .filter_map(|d| d.name())
            .collect();
        assert_eq!(names, vec!["Hello-World"]);
        let amazon = ssm
            .list_documents()
            .document_filter_list(
                DocumentFilter::builder()
                    .key(DocumentFilterKey::Owner)
                    .value("Amazon")
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("amazon");
        assert!(amazon
            .document_identifiers()
            .iter()
            .any(|d| d.name() == Some("AWS-RunShellScript")));
        assert!(amazon
            .document_identifiers()
            .iter()
            .all(|d| d.owner() == Some("Amazon")));
        let tagged = ssm
            .list_documents()
            .filters(
                DocumentKeyValuesFilter::builder()
                    .key("tag:team")
                    .values("ops")
                    .build(),
            )
            .send()
            .await
            .expect("by tag");
        assert_eq!(tagged.document_identifiers().len(), 1);
        let e = ssm
            .list_documents()
            .filters(
                DocumentKeyValuesFilter::builder()
                    .key("Colour")
                    .values("x")
                    .build(),
            )
            .send()
            .await
            .expect_err("bad key");
        assert_eq!(aws_error(&e).0, "InvalidFilterKey");

        // Tags through the shared facility.
        ssm.add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Document)
            .resource_id("Hello-World")
            .tags(
                Tag::builder()
                    .key("env")
                    .value("prod")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect("tag");
        let tags = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Document)
            .resource_id("Hello-World")
            .send()
            .await
            .expect("tags");
        assert_eq!(tags.tag_list().len(), 2);

        // Bad content: the path of the bad element, and the size limit.
        let bad = JSON_DOC.replace("aws:runShellScript", "aws:runPowerShellScript");
        let e = ssm
            .create_document()
            .name("Bad-Doc")
            .content(bad)
            .send()
            .await
            .expect_err("unknown plugin");
        let (code, message) = aws_error(&e);
        assert_eq!(code, "InvalidDocumentContent");
        assert!(message.contains("mainSteps[0].action"), "{message}");
        let big = JSON_DOC.replace("Says hello", &"x".repeat(70 * 1024));
        let e = ssm
            .create_document()
            .name("Big-Doc")
            .content(big)
            .send()
            .await
            .expect_err("too big");
        assert_eq!(aws_error(&e).0, "MaxDocumentSizeExceeded");

        // Viewers read, never write.
        let viewer = srv.user_with_key("viv", Role::Viewer).await;
        let vssm = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
        vssm.get_document()
            .name("Hello-World")
            .send()
            .await
            .expect("viewers read");
        let e = vssm
            .create_document()
            .name("Viewer-Doc")
            .content(JSON_DOC)
            .send()
            .await
            .expect_err("viewers do not create");
        assert_eq!(aws_error(&e).0, "AccessDeniedException");

        ssm.delete_document()
            .name("Hello-World")
            .send()
            .await
            .expect("delete all");
        let e = ssm
            .describe_document()
            .name("Hello-World")
            .send()
            .await
            .expect_err("gone");
        assert_eq!(aws_error(&e).0, "InvalidDocument");
        srv.stop().await;
    }
}
