//! Parameter Store through the official AWS SDK against the real server, on SQLite and
//! PostgreSQL: every operation's successes and refusals (with the exception names of
//! the AWS model), tiers and the default-tier setting, policies and their effects over
//! (injected) time, versions, labels, filters and pagination, tags, roles — and that a
//! SecureString's clear value appears nowhere but in a decrypting read by an operator.

mod common;

use aws_sdk_ssm::types::{
    ParameterStringFilter, ParameterTier, ParameterType, ParametersFilter, ParametersFilterKey,
    ResourceTypeForTagging, Tag,
};
use aws_sdk_ssm::Client;
use bosun_core::clock::ManualClock;
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use bosun_core::Actor;
use common::{aws_error, TestServer};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Sends a request that must fail with `$exception`; evaluates to the error message.
macro_rules! fails {
    ($request:expr, $exception:expr) => {{
        let e = $request
            .send()
            .await
            .expect_err(concat!("expected ", $exception));
        let (name, message) = aws_error(&e);
        assert_eq!(name, $exception, "{message}");
        message
    }};
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
    let mut f = ParameterStringFilter::builder()
        .key(key)
        .set_option(option.map(str::to_string));
    for v in values {
        f = f.values(*v);
    }
    f.build().expect("filter")
}

/// PutParameter of a new String (or a new version with `overwrite`); returns the version.
async fn put(ssm: &Client, name: &str, value: &str, ty: ParameterType) -> i64 {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(ty)
        .overwrite(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {name}: {:?}", aws_error(&e)))
        .version()
}

async fn value(ssm: &Client, name: &str, decrypt: bool) -> String {
    ssm.get_parameter()
        .name(name)
        .with_decryption(decrypt)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {name}: {:?}", aws_error(&e)))
        .parameter()
        .and_then(|p| p.value())
        .expect("value")
        .to_string()
}

async fn operator(srv: &TestServer) -> Client {
    let key = srv.user_with_key("ops", Role::Operator).await;
    srv.ssm(&key.access_key_id, &key.secret_access_key)
}

fn names<'a>(it: impl IntoIterator<Item = Option<&'a str>>) -> Vec<String> {
    it.into_iter()
        .map(|n| n.expect("name").to_string())
        .collect()
}

/// DescribeParameters with these ParameterFilters: the names, in order.
async fn described(ssm: &Client, filters: Vec<ParameterStringFilter>) -> Vec<String> {
    let out = ssm
        .describe_parameters()
        .set_parameter_filters(Some(filters))
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe: {:?}", aws_error(&e)));
    names(out.parameters().iter().map(|p| p.name()))
}

/// GetParametersByPath (one page): the names, in order.
async fn by_path(
    ssm: &Client,
    path: &str,
    recursive: bool,
    filters: Vec<ParameterStringFilter>,
) -> Vec<String> {
    let out = ssm
        .get_parameters_by_path()
        .path(path)
        .recursive(recursive)
        .set_parameter_filters(Some(filters))
        .send()
        .await
        .unwrap_or_else(|e| panic!("by path {path}: {:?}", aws_error(&e)));
    names(out.parameters().iter().map(|p| p.name()))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn put_parameter_types_versions_and_refusals() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;

        // The three types; a new parameter is version 1, on the Standard tier.
        for (name, ty) in [
            ("/app/plain", ParameterType::String),
            ("/app/list", ParameterType::StringList),
            ("/app/secret", ParameterType::SecureString),
        ] {
            let out = ssm
                .put_parameter()
                .name(name)
                .value("a,b")
                .r#type(ty.clone())
                .description("first")
                .send()
                .await
                .expect("create");
            assert_eq!(out.version(), 1, "{name}");
            assert_eq!(out.tier(), Some(&ParameterTier::Standard), "{name}");
            let p = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .expect("get");
            let p = p.parameter().expect("parameter");
            assert_eq!(p.r#type(), Some(&ty));
            assert_eq!(p.value(), Some("a,b"));
            assert_eq!(p.data_type(), Some("text"));
            assert_eq!(
                p.arn(),
                Some(
                    format!(
                        "arn:aws:ssm:eu-west-1:{}:parameter{name}",
                        srv.core.account_id()
                    )
                    .as_str()
                )
            );
        }
        let meta = ssm
            .describe_parameters()
            .parameter_filters(filter("Name", None, &["/app/secret"]))
            .send()
            .await
            .expect("describe");
        assert_eq!(meta.parameters()[0].key_id(), Some("alias/aws/ssm"));
        assert_eq!(meta.parameters()[0].description(), Some("first"));

        // Overwrite makes version 2 and keeps the description when none is given.
        let out = ssm
            .put_parameter()
            .name("/app/plain")
            .value("second")
            .overwrite(true)
            .send()
            .await
            .expect("overwrite without a type");
        assert_eq!(out.version(), 2);
        assert_eq!(value(&ssm, "/app/plain", false).await, "second");
        let meta = ssm
            .describe_parameters()
            .parameter_filters(filter("Name", None, &["/app/plain"]))
            .send()
            .await
            .expect("describe");
        assert_eq!(meta.parameters()[0].description(), Some("first"));
        assert_eq!(meta.parameters()[0].version(), 2);
        assert!(meta.parameters()[0]
            .last_modified_user()
            .is_some_and(|u| u.ends_with(":user/ops")));

        // Without Overwrite: the parameter exists.
        let m = fails!(
            ssm.put_parameter()
                .name("/app/plain")
                .value("third")
                .r#type(ParameterType::String),
            "ParameterAlreadyExists"
        );
        assert!(m.contains("/app/plain"), "{m}");
        // Tags and Overwrite together are refused, even for a new name.
        fails!(
            ssm.put_parameter()
                .name("/app/tagged")
                .value("x")
                .r#type(ParameterType::String)
                .overwrite(true)
                .tags(tag("team", "a")),
            "ValidationException"
        );
        // A new parameter needs a type.
        fails!(
            ssm.put_parameter().name("/app/untyped").value("x"),
            "ValidationException"
        );
        // Reserved and malformed names.
        for bad in [
            "/aws/x", "ssm-x", "/SSM/x", "AWSthing", "a b", "a/b", "/a/", "/a//b", "/a:b", "é",
        ] {
            let e = ssm
                .put_parameter()
                .name(bad)
                .value("x")
                .r#type(ParameterType::String)
                .send()
                .await
                .expect_err(bad);
            assert_eq!(aws_error(&e).0, "ValidationException", "{bad}");
        }
        // Spaces around a name are removed, as SSM does.
        ssm.put_parameter()
            .name("  /app/trimmed ")
            .value("x")
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("trimmed name");
        assert_eq!(value(&ssm, "/app/trimmed", false).await, "x");
        // Fifteen levels at most.
        let deep15 = "/l".repeat(15);
        put(&ssm, &deep15, "x", ParameterType::String).await;
        fails!(
            ssm.put_parameter()
                .name("/l".repeat(16))
                .value("x")
                .r#type(ParameterType::String),
            "HierarchyLevelLimitExceededException"
        );

        // KeyId: unknown keys and keys on non-secure types.
        fails!(
            ssm.put_parameter()
                .name("/app/keyed")
                .value("x")
                .r#type(ParameterType::SecureString)
                .key_id("alias/nope"),
            "InvalidKeyId"
        );
        fails!(
            ssm.put_parameter()
                .name("/app/keyed")
                .value("x")
                .r#type(ParameterType::SecureString)
                .key_id("0b7f1b4e-5a3d-4a4f-9d7c-3f0c3d1e2a11"),
            "InvalidKeyId"
        );
        fails!(
            ssm.put_parameter()
                .name("/app/keyed")
                .value("x")
                .r#type(ParameterType::String)
                .key_id("alias/aws/ssm"),
            "ValidationException"
        );
        // A named key.
        let key = bosun_core::kms::create_key(&srv.core, &Actor::cli(), Some("alias/app"), "app")
            .await
            .expect("create key");
        ssm.put_parameter()
            .name("/app/keyed")
            .value("under app")
            .r#type(ParameterType::SecureString)
            .key_id("alias/app")
            .send()
            .await
            .expect("named key");
        ssm.put_parameter()
            .name("/app/keyed-by-id")
            .value("under app by id")
            .r#type(ParameterType::SecureString)
            .key_id(&key.key_id)
            .send()
            .await
            .expect("key id");
        assert_eq!(value(&ssm, "/app/keyed", true).await, "under app");
        assert_eq!(
            value(&ssm, "/app/keyed-by-id", true).await,
            "under app by id"
        );
        // Overwriting keeps the key when none is given.
        put(
            &ssm,
            "/app/keyed",
            "still under app",
            ParameterType::SecureString,
        )
        .await;
        let meta = ssm
            .describe_parameters()
            .parameter_filters(filter("Name", None, &["/app/keyed"]))
            .send()
            .await
            .expect("describe");
        assert_eq!(meta.parameters()[0].key_id(), Some("alias/app"));
        assert_eq!(value(&ssm, "/app/keyed", true).await, "still under app");

        // AllowedPattern: matched against the whole value, kept across versions.
        ssm.put_parameter()
            .name("/app/port")
            .value("8080")
            .r#type(ParameterType::String)
            .allowed_pattern(r"\d+")
            .send()
            .await
            .expect("pattern");
        let m = fails!(
            ssm.put_parameter()
                .name("/app/port")
                .value("80a")
                .overwrite(true),
            "ParameterPatternMismatchException"
        );
        assert!(!m.contains("80a"), "{m}");
        assert_eq!(
            put(&ssm, "/app/port", "443", ParameterType::String).await,
            2
        );
        fails!(
            ssm.put_parameter()
                .name("/app/other-port")
                .value("x")
                .r#type(ParameterType::String)
                .allowed_pattern("(unclosed"),
            "InvalidAllowedPatternException"
        );
        fails!(
            ssm.get_parameter().name("/app/other-port"),
            "ParameterNotFound"
        );

        // Data types: text only (the model's other types need AWS).
        fails!(
            ssm.put_parameter()
                .name("/app/ami")
                .value("ami-12345678")
                .r#type(ParameterType::String)
                .data_type("aws:ec2:image"),
            "ValidationException"
        );

        // A viewer may not write.
        let viewer = srv.user_with_key("viewer", Role::Viewer).await;
        let vssm = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
        fails!(
            vssm.put_parameter()
                .name("/app/by-viewer")
                .value("x")
                .r#type(ParameterType::String),
            "AccessDeniedException"
        );
        fails!(
            vssm.delete_parameter().name("/app/plain"),
            "AccessDeniedException"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn tiers_value_limits_and_the_default_tier_setting() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        let tier_of = |out: &aws_sdk_ssm::operation::put_parameter::PutParameterOutput| {
            out.tier().map(|t| t.as_str().to_string())
        };

        // Standard holds 4 KB.
        let out = ssm
            .put_parameter()
            .name("/t/std")
            .value("x".repeat(4096))
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("4096 bytes");
        assert_eq!(tier_of(&out).as_deref(), Some("Standard"));
        fails!(
            ssm.put_parameter()
                .name("/t/std-over")
                .value("x".repeat(4097))
                .r#type(ParameterType::String),
            "ValidationException"
        );
        fails!(
            ssm.put_parameter()
                .name("/t/std-over")
                .value("x".repeat(4097))
                .r#type(ParameterType::String)
                .tier(ParameterTier::Standard),
            "ValidationException"
        );
        // Bytes, not characters: 2,049 two-byte characters are 4,098 bytes.
        fails!(
            ssm.put_parameter()
                .name("/t/std-over")
                .value("é".repeat(2049))
                .r#type(ParameterType::String),
            "ValidationException"
        );
        // Advanced holds 8 KB.
        let out = ssm
            .put_parameter()
            .name("/t/adv")
            .value("x".repeat(8192))
            .r#type(ParameterType::SecureString)
            .tier(ParameterTier::Advanced)
            .send()
            .await
            .expect("8192 bytes on Advanced");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        assert_eq!(value(&ssm, "/t/adv", true).await.len(), 8192);
        fails!(
            ssm.put_parameter()
                .name("/t/adv-over")
                .value("x".repeat(8193))
                .r#type(ParameterType::String)
                .tier(ParameterTier::Advanced),
            "ValidationException"
        );
        // Intelligent-Tiering picks Advanced for a large value, Standard otherwise.
        let out = ssm
            .put_parameter()
            .name("/t/it-big")
            .value("x".repeat(4097))
            .r#type(ParameterType::String)
            .tier(ParameterTier::IntelligentTiering)
            .send()
            .await
            .expect("4097 bytes with Intelligent-Tiering");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        let out = ssm
            .put_parameter()
            .name("/t/it-small")
            .value("small")
            .r#type(ParameterType::String)
            .tier(ParameterTier::IntelligentTiering)
            .send()
            .await
            .expect("small with Intelligent-Tiering");
        assert_eq!(tier_of(&out).as_deref(), Some("Standard"));
        // A Standard parameter moves up when needed.
        let out = ssm
            .put_parameter()
            .name("/t/it-small")
            .value("x".repeat(5000))
            .overwrite(true)
            .tier(ParameterTier::IntelligentTiering)
            .send()
            .await
            .expect("grows");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));

        // Advanced never goes back to Standard: not when asked, not by Intelligent-
        // Tiering with a small value, not by a put that names no tier.
        fails!(
            ssm.put_parameter()
                .name("/t/adv")
                .value("small")
                .overwrite(true)
                .tier(ParameterTier::Standard),
            "ValidationException"
        );
        let out = ssm
            .put_parameter()
            .name("/t/adv")
            .value("small")
            .overwrite(true)
            .tier(ParameterTier::IntelligentTiering)
            .send()
            .await
            .expect("Intelligent-Tiering keeps Advanced");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        let out = ssm
            .put_parameter()
            .name("/t/adv")
            .value("smaller")
            .overwrite(true)
            .send()
            .await
            .expect("a put without a tier keeps Advanced");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        assert_eq!(out.version(), 3);
        let meta = ssm
            .describe_parameters()
            .parameter_filters(filter("Name", None, &["/t/adv"]))
            .send()
            .await
            .expect("describe");
        assert_eq!(meta.parameters()[0].tier(), Some(&ParameterTier::Advanced));

        // The default tier is the service setting (admins change it).
        let admin = srv.user_with_key("boss", Role::Admin).await;
        let admin = srv.ssm(&admin.access_key_id, &admin.secret_access_key);
        fails!(
            ssm.update_service_setting()
                .setting_id("/ssm/parameter-store/default-parameter-tier")
                .setting_value("Advanced"),
            "AccessDeniedException"
        );
        admin
            .update_service_setting()
            .setting_id("/ssm/parameter-store/default-parameter-tier")
            .setting_value("Advanced")
            .send()
            .await
            .expect("default Advanced");
        let out = ssm
            .put_parameter()
            .name("/t/default-adv")
            .value("small")
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("put");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        // The request's tier still wins.
        let out = ssm
            .put_parameter()
            .name("/t/asked-std")
            .value("small")
            .r#type(ParameterType::String)
            .tier(ParameterTier::Standard)
            .send()
            .await
            .expect("put");
        assert_eq!(tier_of(&out).as_deref(), Some("Standard"));
        admin
            .update_service_setting()
            .setting_id("/ssm/parameter-store/default-parameter-tier")
            .setting_value("Intelligent-Tiering")
            .send()
            .await
            .expect("default Intelligent-Tiering");
        let out = ssm
            .put_parameter()
            .name("/t/default-it-small")
            .value("small")
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("put");
        assert_eq!(tier_of(&out).as_deref(), Some("Standard"));
        let out = ssm
            .put_parameter()
            .name("/t/default-it-big")
            .value("x".repeat(6000))
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("put");
        assert_eq!(tier_of(&out).as_deref(), Some("Advanced"));
        let advanced = described(&ssm, vec![filter("Tier", None, &["Advanced"])]).await;
        assert_eq!(
            advanced,
            strings(&[
                "/t/adv",
                "/t/default-adv",
                "/t/default-it-big",
                "/t/it-big",
                "/t/it-small"
            ])
        );
        srv.stop().await;
    }
}

fn expiration_in(days: i64, from: time::OffsetDateTime) -> String {
    let at = from + time::Duration::days(days);
    format!(
        r#"{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{}"}}}}"#,
        at.format(&time::format_description::well_known::Rfc3339)
            .expect("format")
    )
}

#[tokio::test]
async fn policies_are_checked_kept_and_shown() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        let now = time::OffsetDateTime::now_utc();

        let put_with = |name: &'static str, policies: String, tier: Option<ParameterTier>| {
            ssm.put_parameter()
                .name(name)
                .value("v")
                .r#type(ParameterType::String)
                .set_tier(tier)
                .policies(policies)
        };
        fails!(
            put_with(
                "/pol/past",
                format!("[{}]", expiration_in(-1, now)),
                Some(ParameterTier::Advanced)
            ),
            "InvalidPolicyAttributeException"
        );
        fails!(
            put_with(
                "/pol/kind",
                r#"[{"Type":"SelfDestruct","Version":"1.0","Attributes":{}}]"#.into(),
                Some(ParameterTier::Advanced)
            ),
            "InvalidPolicyTypeException"
        );
        fails!(
            put_with(
                "/pol/unit",
                r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"3","Unit":"Weeks"}}]"#
                    .into(),
                Some(ParameterTier::Advanced)
            ),
            "InvalidPolicyAttributeException"
        );
        fails!(
            put_with(
                "/pol/alone",
                r#"[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"3","Unit":"Days"}}]"#
                    .into(),
                Some(ParameterTier::Advanced)
            ),
            "IncompatiblePolicyException"
        );
        // Policies need the Advanced tier: refused on Standard, asked or by default.
        let one = format!("[{}]", expiration_in(30, now));
        fails!(
            put_with("/pol/std", one.clone(), Some(ParameterTier::Standard)),
            "InvalidPolicyTypeException"
        );
        fails!(
            put_with("/pol/std", one.clone(), None),
            "InvalidPolicyTypeException"
        );
        fails!(ssm.get_parameter().name("/pol/std"), "ParameterNotFound");

        // Valid policies on Advanced (Intelligent-Tiering picks it): shown Pending.
        let three = format!(
            "[{},{},{}]",
            expiration_in(30, now),
            r#"{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}}"#,
            r#"{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"20","Unit":"Hours"}}"#
        );
        let out = put_with("/pol/ok", three, Some(ParameterTier::IntelligentTiering))
            .send()
            .await
            .expect("policies");
        assert_eq!(out.tier(), Some(&ParameterTier::Advanced));
        let shown = |ssm: &Client| {
            let ssm = ssm.clone();
            async move {
                let out = ssm
                    .describe_parameters()
                    .parameter_filters(filter("Name", None, &["/pol/ok"]))
                    .send()
                    .await
                    .expect("describe");
                out.parameters()[0]
                    .policies()
                    .iter()
                    .map(|p| {
                        (
                            p.policy_type().expect("type").to_string(),
                            p.policy_status().expect("status").to_string(),
                            p.policy_text().expect("text").to_string(),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        let policies = shown(&ssm).await;
        assert_eq!(
            policies
                .iter()
                .map(|(t, s, _)| (t.as_str(), s.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("Expiration", "Pending"),
                ("ExpirationNotification", "Pending"),
                ("NoChangeNotification", "Pending")
            ]
        );
        let text: serde_json::Value =
            serde_json::from_str(&policies[1].2).expect("policy text is JSON");
        assert_eq!(text["Attributes"]["Before"], "15");

        // A put without Policies keeps them; an empty list removes them.
        put(&ssm, "/pol/ok", "v2", ParameterType::String).await;
        assert_eq!(shown(&ssm).await.len(), 3);
        let history = ssm
            .get_parameter_history()
            .name("/pol/ok")
            .send()
            .await
            .expect("history");
        assert_eq!(history.parameters()[1].policies().len(), 3);
        ssm.put_parameter()
            .name("/pol/ok")
            .value("v3")
            .overwrite(true)
            .policies("[]")
            .send()
            .await
            .expect("clear policies");
        assert!(shown(&ssm).await.is_empty());
        srv.stop().await;
    }
}

#[tokio::test]
async fn get_parameter_selectors_and_secure_strings_by_role() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        put(&ssm, "/g/a", "one", ParameterType::String).await;
        put(&ssm, "/g/a", "two", ParameterType::String).await;
        put(&ssm, "/g/a", "three", ParameterType::String).await;
        ssm.label_parameter_version()
            .name("/g/a")
            .parameter_version(2)
            .labels("prod")
            .send()
            .await
            .expect("label");

        let get = |name: &str| ssm.get_parameter().name(name).send();
        let latest = get("/g/a").await.expect("latest");
        let p = latest.parameter().expect("parameter");
        assert_eq!(
            (p.value(), p.version(), p.selector()),
            (Some("three"), 3, None)
        );
        let v1 = get("/g/a:1").await.expect("version 1");
        let p = v1.parameter().expect("parameter");
        assert_eq!(
            (p.name(), p.value(), p.version(), p.selector()),
            (Some("/g/a"), Some("one"), 1, Some(":1"))
        );
        let prod = get("/g/a:prod").await.expect("label");
        let p = prod.parameter().expect("parameter");
        assert_eq!(
            (p.value(), p.version(), p.selector()),
            (Some("two"), 2, Some(":prod"))
        );
        // By ARN.
        let arn = format!(
            "arn:aws:ssm:eu-west-1:{}:parameter/g/a:1",
            srv.core.account_id()
        );
        let by_arn = get(&arn).await.expect("by ARN");
        assert_eq!(by_arn.parameter().and_then(|p| p.value()), Some("one"));

        fails!(ssm.get_parameter().name("/g/nope"), "ParameterNotFound");
        fails!(ssm.get_parameter().name("/g/nope:1"), "ParameterNotFound");
        fails!(
            ssm.get_parameter().name("/g/nope:prod"),
            "ParameterNotFound"
        );
        fails!(
            ssm.get_parameter().name("/g/a:9"),
            "ParameterVersionNotFound"
        );
        fails!(
            ssm.get_parameter().name("/g/a:staging"),
            "ParameterVersionNotFound"
        );
        fails!(ssm.get_parameter().name("/g/a:0"), "ValidationException");
        fails!(ssm.get_parameter().name("/g/a:1:2"), "ValidationException");

        // SecureString: sealed unless decrypted; a viewer only ever sees it sealed.
        ssm.put_parameter()
            .name("/g/secret")
            .value("hunter2-clear")
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect("secure");
        let sealed = value(&ssm, "/g/secret", false).await;
        assert!(!sealed.is_empty());
        assert_ne!(sealed, "hunter2-clear");
        assert!(!sealed.contains("hunter2"), "{sealed}");
        assert_eq!(value(&ssm, "/g/secret", true).await, "hunter2-clear");
        // WithDecryption on a String is its value.
        assert_eq!(value(&ssm, "/g/a", true).await, "three");

        let viewer = srv.user_with_key("viewer", Role::Viewer).await;
        let vssm = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
        let seen = value(&vssm, "/g/secret", false).await;
        assert!(!seen.contains("hunter2"), "{seen}");
        fails!(
            vssm.get_parameter().name("/g/secret").with_decryption(true),
            "AccessDeniedException"
        );
        assert_eq!(value(&vssm, "/g/a:prod", true).await, "two");
        fails!(
            vssm.get_parameters()
                .names("/g/a")
                .names("/g/secret")
                .with_decryption(true),
            "AccessDeniedException"
        );
        fails!(
            vssm.get_parameters_by_path()
                .path("/g")
                .with_decryption(true),
            "AccessDeniedException"
        );
        fails!(
            vssm.get_parameter_history()
                .name("/g/secret")
                .with_decryption(true),
            "AccessDeniedException"
        );
        // Decryptions are audited by name and version; refusals too.
        let decrypts: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT actor, outcome, detail FROM audit_log WHERE action = 'Decrypt' AND resource = $1 ORDER BY id",
        )
        // The service's audit resource is `parameter/` and the name.
        .bind(format!("parameter/{}", "/g/secret"))
        .fetch_all(srv.core.db().pool())
        .await
        .expect("audit");
        assert!(
            decrypts
                .iter()
                .any(|(actor, outcome, detail)| actor == "ops"
                    && outcome == "success"
                    && detail.contains("GetParameter")
                    && detail.contains("version 1")),
            "{decrypts:?}"
        );
        assert!(decrypts
            .iter()
            .any(|(actor, outcome, _)| actor == "viewer" && outcome == "denied"));
        srv.stop().await;
    }
}

#[tokio::test]
async fn get_parameters_takes_ten_names_and_reports_the_missing() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        put(&ssm, "/m/a", "a1", ParameterType::String).await;
        put(&ssm, "/m/a", "a2", ParameterType::String).await;
        put(&ssm, "/m/b", "b1", ParameterType::StringList).await;
        put(&ssm, "/m/s", "s1", ParameterType::SecureString).await;
        ssm.label_parameter_version()
            .name("/m/b")
            .labels("prod")
            .send()
            .await
            .expect("label");

        let asked = [
            "/m/a",
            "/m/a:1",
            "/m/b:prod",
            "/m/s",
            "/m/a:9",
            "/m/a:nolabel",
            "/m/missing",
            "/m/a:0",
            "bad name",
        ];
        let out = ssm
            .get_parameters()
            .set_names(Some(strings(&asked)))
            .with_decryption(true)
            .send()
            .await
            .expect("get parameters");
        let found: Vec<(String, String, Option<String>)> = out
            .parameters()
            .iter()
            .map(|p| {
                (
                    p.name().expect("name").to_string(),
                    p.value().expect("value").to_string(),
                    p.selector().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(
            found.iter().cloned().collect::<BTreeSet<_>>(),
            BTreeSet::from([
                ("/m/a".to_string(), "a2".to_string(), None),
                ("/m/a".to_string(), "a1".to_string(), Some(":1".to_string())),
                (
                    "/m/b".to_string(),
                    "b1".to_string(),
                    Some(":prod".to_string())
                ),
                ("/m/s".to_string(), "s1".to_string(), None),
            ])
        );
        assert_eq!(
            out.invalid_parameters()
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>(),
            asked[4..].iter().map(|s| s.to_string()).collect()
        );
        // Without decryption the SecureString is sealed.
        let out = ssm
            .get_parameters()
            .names("/m/s")
            .names("/m/a")
            .send()
            .await
            .expect("get parameters");
        let s = out
            .parameters()
            .iter()
            .find(|p| p.name() == Some("/m/s"))
            .expect("/m/s");
        assert_ne!(s.value(), Some("s1"));
        // Ten names at most (the model's limit), one at least.
        let eleven: Vec<String> = (0..11).map(|i| format!("/m/n{i}")).collect();
        fails!(
            ssm.get_parameters().set_names(Some(eleven)),
            "ValidationException"
        );
        let ten: Vec<String> = (0..10).map(|i| format!("/m/n{i}")).collect();
        let out = ssm
            .get_parameters()
            .set_names(Some(ten))
            .send()
            .await
            .expect("ten names");
        assert_eq!(out.invalid_parameters().len(), 10);
        fails!(
            ssm.get_parameters().set_names(Some(Vec::new())),
            "ValidationException"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn get_parameters_by_path_levels_and_filters() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        put(&ssm, "/p/a", "a", ParameterType::String).await;
        put(&ssm, "/p/b", "b1,b2", ParameterType::StringList).await;
        put(&ssm, "/p/s", "secret-s", ParameterType::SecureString).await;
        put(&ssm, "/p/x/z/w", "w", ParameterType::String).await;
        put(&ssm, "/p0", "sibling", ParameterType::String).await;
        put(&ssm, "/other/q", "q", ParameterType::String).await;
        put(&ssm, "top", "no path", ParameterType::String).await;
        ssm.put_parameter()
            .name("/p/x/y")
            .value("y")
            .r#type(ParameterType::String)
            .tags(tag("team", "red"))
            .send()
            .await
            .expect("tagged");
        put(&ssm, "/p/a", "a2", ParameterType::String).await;
        ssm.label_parameter_version()
            .name("/p/a")
            .labels("live")
            .send()
            .await
            .expect("label");

        assert_eq!(
            by_path(&ssm, "/p", false, vec![]).await,
            strings(&["/p/a", "/p/b", "/p/s"])
        );
        assert_eq!(
            by_path(&ssm, "/p/", false, vec![]).await,
            strings(&["/p/a", "/p/b", "/p/s"])
        );
        assert_eq!(
            by_path(&ssm, "/p", true, vec![]).await,
            strings(&["/p/a", "/p/b", "/p/s", "/p/x/y", "/p/x/z/w"])
        );
        assert_eq!(
            by_path(&ssm, "/p/x", false, vec![]).await,
            strings(&["/p/x/y"])
        );
        assert_eq!(by_path(&ssm, "/", false, vec![]).await, strings(&["/p0"]));
        assert_eq!(
            by_path(&ssm, "/nothing", true, vec![]).await,
            Vec::<String>::new()
        );

        // Filters: Type, KeyId, Label, tag:KEY.
        assert_eq!(
            by_path(&ssm, "/p", true, vec![filter("Type", None, &["String"])]).await,
            strings(&["/p/a", "/p/x/y", "/p/x/z/w"])
        );
        assert_eq!(
            by_path(
                &ssm,
                "/p",
                true,
                vec![filter(
                    "Type",
                    Some("Equals"),
                    &["StringList", "SecureString"]
                )]
            )
            .await,
            strings(&["/p/b", "/p/s"])
        );
        assert_eq!(
            by_path(
                &ssm,
                "/p",
                true,
                vec![filter("KeyId", None, &["alias/aws/ssm"])]
            )
            .await,
            strings(&["/p/s"])
        );
        let out = ssm
            .get_parameters_by_path()
            .path("/p")
            .parameter_filters(filter("Label", Some("Equals"), &["live"]))
            .send()
            .await
            .expect("label filter");
        assert_eq!(names(out.parameters().iter().map(|p| p.name())), ["/p/a"]);
        assert_eq!(out.parameters()[0].value(), Some("a2"));
        assert_eq!(
            by_path(&ssm, "/p", true, vec![filter("tag:team", None, &["red"])]).await,
            strings(&["/p/x/y"])
        );
        assert_eq!(
            by_path(&ssm, "/p", true, vec![filter("tag:team", None, &["blue"])]).await,
            Vec::<String>::new()
        );

        // Keys and options GetParametersByPath does not take: InvalidFilterKey, which the
        // model lists for the operation (so the SDK gives it its own variant).
        for key in ["Name", "Path", "Tier"] {
            let e = ssm
                .get_parameters_by_path()
                .path("/p")
                .parameter_filters(filter(key, None, &["x"]))
                .send()
                .await
                .expect_err(key);
            assert!(
                matches!(
                    e.as_service_error(),
                    Some(aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathError::InvalidFilterKey(_))
                ),
                "{key}: {:?}",
                aws_error(&e)
            );
        }
        fails!(
            ssm.get_parameters_by_path()
                .path("/p")
                .parameter_filters(filter("Label", Some("BeginsWith"), &["li"])),
            "InvalidFilterOption"
        );
        fails!(
            ssm.get_parameters_by_path()
                .path("/p")
                .parameter_filters(filter("Type", Some("Contains"), &["Str"])),
            "InvalidFilterOption"
        );
        fails!(
            ssm.get_parameters_by_path()
                .path("/p")
                .parameter_filters(filter("Type", None, &["Number"])),
            "InvalidFilterValue"
        );
        fails!(
            ssm.get_parameters_by_path()
                .path("/p")
                .parameter_filters(filter("Bogus", None, &["x"])),
            "ValidationException"
        );
        fails!(
            ssm.get_parameters_by_path().path("p"),
            "ValidationException"
        );
        fails!(
            ssm.get_parameters_by_path().path("/p").max_results(11),
            "ValidationException"
        );

        // SecureStrings: sealed unless decrypted.
        let out = ssm
            .get_parameters_by_path()
            .path("/p")
            .send()
            .await
            .expect("by path");
        let s = out
            .parameters()
            .iter()
            .find(|p| p.name() == Some("/p/s"))
            .expect("/p/s");
        assert!(!s.value().expect("value").contains("secret-s"));
        let out = ssm
            .get_parameters_by_path()
            .path("/p")
            .with_decryption(true)
            .send()
            .await
            .expect("by path");
        let s = out
            .parameters()
            .iter()
            .find(|p| p.name() == Some("/p/s"))
            .expect("/p/s");
        assert_eq!(s.value(), Some("secret-s"));
        srv.stop().await;
    }
}

#[tokio::test]
async fn get_parameters_by_path_pages_through_three_hundred() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        let mut expected = BTreeSet::new();
        for i in 0..300 {
            let name = format!("/many/{}/p{i:03}", i % 3);
            put(&ssm, &name, &format!("v{i}"), ParameterType::String).await;
            expected.insert(name);
        }
        put(&ssm, "/many-not", "x", ParameterType::String).await;

        // By hand: MaxResults 10, every page full but the last, every name once.
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = ssm
                .get_parameters_by_path()
                .path("/many")
                .recursive(true)
                .max_results(10)
                .set_next_token(token.clone())
                .send()
                .await
                .expect("page");
            pages += 1;
            assert!(out.parameters().len() <= 10);
            seen.extend(names(out.parameters().iter().map(|p| p.name())));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
            assert_eq!(out.parameters().len(), 10);
            assert!(pages <= 31, "the pages never end");
        }
        assert_eq!(pages, 30);
        assert_eq!(seen.len(), 300);
        assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), expected);
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted, "pages come in name order");

        // The SDK's paginator (default page size 10).
        let mut stream = ssm
            .get_parameters_by_path()
            .path("/many")
            .recursive(true)
            .into_paginator()
            .send();
        let mut paged = Vec::new();
        let mut n = 0;
        while let Some(page) = stream.next().await {
            let page = page.expect("page");
            n += 1;
            paged.extend(names(page.parameters().iter().map(|p| p.name())));
        }
        assert_eq!(n, 30);
        assert_eq!(paged, seen);
        // One level, pages of 7.
        let mut stream = ssm
            .get_parameters_by_path()
            .path("/many/1")
            .max_results(7)
            .into_paginator()
            .send();
        let mut items = Vec::new();
        while let Some(page) = stream.next().await {
            let page = page.expect("page");
            assert!(page.parameters().len() <= 7);
            items.extend(names(page.parameters().iter().map(|p| p.name())));
        }
        assert_eq!(items.len(), 100);
        assert!(items.iter().all(|n| n.starts_with("/many/1/")));

        // Tokens: garbage, and one issued for another path.
        fails!(
            ssm.get_parameters_by_path()
                .path("/many")
                .next_token("bm9wZQ=="),
            "InvalidNextToken"
        );
        let first = ssm
            .get_parameters_by_path()
            .path("/many/0")
            .max_results(10)
            .send()
            .await
            .expect("page");
        let other = first.next_token().expect("more").to_string();
        fails!(
            ssm.get_parameters_by_path()
                .path("/many/1")
                .next_token(other),
            "InvalidNextToken"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn describe_parameters_filters_and_pages() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        bosun_core::kms::create_key(&srv.core, &Actor::cli(), Some("alias/app"), "app")
            .await
            .expect("key");
        put(&ssm, "/d/b", "b", ParameterType::StringList).await;
        put(&ssm, "/d/sub/c", "c", ParameterType::SecureString).await;
        ssm.put_parameter()
            .name("/d/a")
            .value("a")
            .r#type(ParameterType::String)
            .tags(tag("env", "prod"))
            .send()
            .await
            .expect("put");
        ssm.put_parameter()
            .name("/d/sub/deep/e")
            .value("e")
            .r#type(ParameterType::SecureString)
            .key_id("alias/app")
            .tags(tag("env", "dev"))
            .send()
            .await
            .expect("put");
        ssm.put_parameter()
            .name("top")
            .value("t")
            .r#type(ParameterType::String)
            .tier(ParameterTier::Advanced)
            .send()
            .await
            .expect("put");
        let all = strings(&["/d/a", "/d/b", "/d/sub/c", "/d/sub/deep/e", "top"]);

        assert_eq!(described(&ssm, vec![]).await, all);
        // Name: Equals (with or without the leading slash), BeginsWith, Contains.
        assert_eq!(
            described(&ssm, vec![filter("Name", None, &["/d/a"])]).await,
            strings(&["/d/a"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Name", Some("Equals"), &["d/a", "top"])]).await,
            strings(&["/d/a", "top"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Name", Some("BeginsWith"), &["/d/s"])]).await,
            strings(&["/d/sub/c", "/d/sub/deep/e"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Name", Some("Contains"), &["deep"])]).await,
            strings(&["/d/sub/deep/e"])
        );
        // Type, KeyId, Tier, DataType.
        assert_eq!(
            described(&ssm, vec![filter("Type", None, &["SecureString"])]).await,
            strings(&["/d/sub/c", "/d/sub/deep/e"])
        );
        assert_eq!(
            described(&ssm, vec![filter("KeyId", None, &["alias/app"])]).await,
            strings(&["/d/sub/deep/e"])
        );
        assert_eq!(
            described(
                &ssm,
                vec![filter("KeyId", Some("BeginsWith"), &["alias/aws"])]
            )
            .await,
            strings(&["/d/sub/c"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Tier", None, &["Advanced"])]).await,
            strings(&["top"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Tier", None, &["Standard"])])
                .await
                .len(),
            4
        );
        assert_eq!(
            described(&ssm, vec![filter("DataType", None, &["text"])]).await,
            all
        );
        // Path: one level (the default) or recursive.
        assert_eq!(
            described(&ssm, vec![filter("Path", None, &["/d"])]).await,
            strings(&["/d/a", "/d/b"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Path", Some("OneLevel"), &["/d/sub"])]).await,
            strings(&["/d/sub/c"])
        );
        assert_eq!(
            described(&ssm, vec![filter("Path", Some("Recursive"), &["/d"])]).await,
            strings(&["/d/a", "/d/b", "/d/sub/c", "/d/sub/deep/e"])
        );
        // Tags: by value, or any value of the key.
        assert_eq!(
            described(&ssm, vec![filter("tag:env", None, &["prod"])]).await,
            strings(&["/d/a"])
        );
        assert_eq!(
            described(&ssm, vec![filter("tag:env", None, &[])]).await,
            strings(&["/d/a", "/d/sub/deep/e"])
        );
        // Several filters: all must match.
        assert_eq!(
            described(
                &ssm,
                vec![
                    filter("Path", Some("Recursive"), &["/d"]),
                    filter("Type", None, &["SecureString"]),
                    filter("tag:env", None, &["dev"]),
                ]
            )
            .await,
            strings(&["/d/sub/deep/e"])
        );
        // Metadata.
        let out = ssm
            .describe_parameters()
            .parameter_filters(filter("Name", None, &["/d/sub/deep/e"]))
            .send()
            .await
            .expect("describe");
        let m = &out.parameters()[0];
        assert_eq!(m.r#type(), Some(&ParameterType::SecureString));
        assert_eq!(m.key_id(), Some("alias/app"));
        assert_eq!(m.version(), 1);
        assert_eq!(m.data_type(), Some("text"));
        assert!(m.last_modified_date().is_some());

        // The older Filters.
        let out = ssm
            .describe_parameters()
            .filters(
                ParametersFilter::builder()
                    .key(ParametersFilterKey::Type)
                    .values("StringList")
                    .build()
                    .expect("filter"),
            )
            .send()
            .await
            .expect("describe");
        assert_eq!(names(out.parameters().iter().map(|p| p.name())), ["/d/b"]);
        fails!(
            ssm.describe_parameters()
                .filters(
                    ParametersFilter::builder()
                        .key(ParametersFilterKey::Name)
                        .values("/d/a")
                        .build()
                        .expect("filter"),
                )
                .parameter_filters(filter("Type", None, &["String"])),
            "ValidationException"
        );
        // Options a key does not take, keys it does not know.
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Name", Some("Recursive"), &["/d"])),
            "InvalidFilterOption"
        );
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Type", Some("Contains"), &["Str"])),
            "InvalidFilterOption"
        );
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Path", Some("Equals"), &["/d"])),
            "InvalidFilterOption"
        );
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Label", None, &["prod"])),
            "InvalidFilterKey"
        );
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Type", None, &["String"]))
                .parameter_filters(filter("Type", None, &["SecureString"])),
            "InvalidFilterKey"
        );
        fails!(
            ssm.describe_parameters().parameter_filters(filter(
                "Tier",
                None,
                &["Intelligent-Tiering"]
            )),
            "InvalidFilterValue"
        );
        fails!(
            ssm.describe_parameters()
                .parameter_filters(filter("Nope", None, &["x"])),
            "ValidationException"
        );

        // Pages: MaxResults 2 by hand, then the paginator; bad tokens.
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let out = ssm
                .describe_parameters()
                .max_results(2)
                .set_next_token(token)
                .send()
                .await
                .expect("page");
            assert!(out.parameters().len() <= 2);
            seen.extend(names(out.parameters().iter().map(|p| p.name())));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, all);
        let mut stream = ssm
            .describe_parameters()
            .max_results(3)
            .parameter_filters(filter("Path", Some("Recursive"), &["/d"]))
            .into_paginator()
            .send();
        let mut paged = Vec::new();
        while let Some(page) = stream.next().await {
            paged.extend(names(
                page.expect("page").parameters().iter().map(|p| p.name()),
            ));
        }
        assert_eq!(paged, all[..4].to_vec());
        fails!(
            ssm.describe_parameters().next_token("garbage"),
            "InvalidNextToken"
        );
        fails!(
            ssm.describe_parameters().max_results(51),
            "ValidationException"
        );
        // Shared parameters: none in a self-hosted store.
        let out = ssm
            .describe_parameters()
            .shared(true)
            .send()
            .await
            .expect("shared");
        assert!(out.parameters().is_empty());
        srv.stop().await;
    }
}

#[tokio::test]
async fn history_in_order_with_labels_and_decryption() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        for i in 1..=5 {
            ssm.put_parameter()
                .name("/h/s")
                .value(format!("secret-{i}"))
                .r#type(ParameterType::SecureString)
                .description(format!("d{i}"))
                .overwrite(true)
                .send()
                .await
                .expect("put");
        }
        ssm.label_parameter_version()
            .name("/h/s")
            .parameter_version(2)
            .labels("b")
            .labels("a")
            .send()
            .await
            .expect("label");
        ssm.label_parameter_version()
            .name("/h/s")
            .labels("latest")
            .send()
            .await
            .expect("label");

        let out = ssm
            .get_parameter_history()
            .name("/h/s")
            .send()
            .await
            .expect("history");
        let h = out.parameters();
        assert_eq!(
            h.iter().map(|v| v.version()).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert_eq!(h[1].labels(), ["a", "b"]);
        assert_eq!(h[4].labels(), ["latest"]);
        assert!(h[0].labels().is_empty());
        assert_eq!(h[2].description(), Some("d3"));
        assert_eq!(h[2].key_id(), Some("alias/aws/ssm"));
        assert_eq!(h[2].r#type(), Some(&ParameterType::SecureString));
        assert_eq!(h[2].tier(), Some(&ParameterTier::Standard));
        for v in h {
            assert!(!v.value().expect("value").contains("secret-"), "sealed");
        }
        let out = ssm
            .get_parameter_history()
            .name("/h/s")
            .with_decryption(true)
            .send()
            .await
            .expect("history");
        assert_eq!(
            out.parameters()
                .iter()
                .map(|v| v.value().expect("value").to_string())
                .collect::<Vec<_>>(),
            (1..=5).map(|i| format!("secret-{i}")).collect::<Vec<_>>()
        );

        // Pages of 2: 1-2, 3-4, 5; by hand and by the paginator.
        let mut versions = Vec::new();
        let mut token = None;
        let mut pages = 0;
        loop {
            let out = ssm
                .get_parameter_history()
                .name("/h/s")
                .max_results(2)
                .set_next_token(token)
                .send()
                .await
                .expect("page");
            pages += 1;
            versions.extend(out.parameters().iter().map(|v| v.version()));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        assert_eq!((pages, versions), (3, vec![1, 2, 3, 4, 5]));
        let mut stream = ssm
            .get_parameter_history()
            .name("/h/s")
            .max_results(2)
            .with_decryption(true)
            .into_paginator()
            .send();
        let mut values = Vec::new();
        while let Some(page) = stream.next().await {
            values.extend(
                page.expect("page")
                    .parameters()
                    .iter()
                    .map(|v| v.value().expect("value").to_string()),
            );
        }
        assert_eq!(values.len(), 5);
        assert_eq!(values[4], "secret-5");

        fails!(
            ssm.get_parameter_history().name("/h/nope"),
            "ParameterNotFound"
        );
        fails!(
            ssm.get_parameter_history().name("/h/s").next_token("zz"),
            "InvalidNextToken"
        );
        fails!(
            ssm.get_parameter_history().name("/h/s:2"),
            "ValidationException"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_hundred_versions_are_kept_and_a_labelled_oldest_one_blocks() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        for i in 1..=100 {
            assert_eq!(
                put(&ssm, "/v/p", &format!("v{i}"), ParameterType::String).await,
                i
            );
        }
        let history = |ssm: &Client| {
            let ssm = ssm.clone();
            async move {
                let mut versions = Vec::new();
                let mut stream = ssm
                    .get_parameter_history()
                    .name("/v/p")
                    .into_paginator()
                    .send();
                while let Some(page) = stream.next().await {
                    versions.extend(page.expect("page").parameters().iter().map(|v| v.version()));
                }
                versions
            }
        };
        assert_eq!(history(&ssm).await, (1..=100).collect::<Vec<_>>());
        // The 101st drops version 1.
        assert_eq!(put(&ssm, "/v/p", "v101", ParameterType::String).await, 101);
        assert_eq!(history(&ssm).await, (2..=101).collect::<Vec<_>>());
        fails!(
            ssm.get_parameter().name("/v/p:1"),
            "ParameterVersionNotFound"
        );
        assert_eq!(value(&ssm, "/v/p:2", false).await, "v2");

        // A label on the oldest kept version blocks the next put...
        ssm.label_parameter_version()
            .name("/v/p")
            .parameter_version(2)
            .labels("pinned")
            .send()
            .await
            .expect("label");
        fails!(
            ssm.put_parameter()
                .name("/v/p")
                .value("v102")
                .overwrite(true),
            "ParameterMaxVersionLimitExceeded"
        );
        assert_eq!(value(&ssm, "/v/p", false).await, "v101");
        assert_eq!(history(&ssm).await, (2..=101).collect::<Vec<_>>());
        // ...until the label moves away.
        ssm.label_parameter_version()
            .name("/v/p")
            .parameter_version(50)
            .labels("pinned")
            .send()
            .await
            .expect("move label");
        assert_eq!(put(&ssm, "/v/p", "v102", ParameterType::String).await, 102);
        assert_eq!(history(&ssm).await, (3..=102).collect::<Vec<_>>());
        assert_eq!(value(&ssm, "/v/p:pinned", false).await, "v50");
        srv.stop().await;
    }
}

#[tokio::test]
async fn labels_attach_move_are_limited_and_come_off() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        for i in 1..=3 {
            put(&ssm, "/lab/p", &format!("v{i}"), ParameterType::String).await;
        }
        // Default: the latest version.
        let out = ssm
            .label_parameter_version()
            .name("/lab/p")
            .labels("prod")
            .send()
            .await
            .expect("label latest");
        assert_eq!(out.parameter_version(), 3);
        assert!(out.invalid_labels().is_empty());
        // Invalid labels are returned, not raised; the valid ones are attached.
        let out = ssm
            .label_parameter_version()
            .name("/lab/p")
            .parameter_version(1)
            .labels("1abc")
            .labels("aws-x")
            .labels("SSMy")
            .labels("a/b")
            .labels("ok-1.x_y")
            .send()
            .await
            .expect("label with invalid ones");
        assert_eq!(out.parameter_version(), 1);
        assert_eq!(out.invalid_labels(), ["1abc", "aws-x", "SSMy", "a/b"]);
        assert_eq!(value(&ssm, "/lab/p:ok-1.x_y", false).await, "v1");
        // A 100-character label is valid; 101 characters break the model's
        // ParameterLabel length (1-100), which AWS checks before the operation.
        let long = "l".repeat(100);
        let out = ssm
            .label_parameter_version()
            .name("/lab/p")
            .parameter_version(1)
            .labels(&long)
            .send()
            .await
            .expect("100 characters");
        assert!(out.invalid_labels().is_empty());
        fails!(
            ssm.label_parameter_version()
                .name("/lab/p")
                .labels("l".repeat(101)),
            "ValidationException"
        );

        // Moving a label: prod from 3 to 1.
        ssm.label_parameter_version()
            .name("/lab/p")
            .parameter_version(1)
            .labels("prod")
            .send()
            .await
            .expect("move");
        assert_eq!(value(&ssm, "/lab/p:prod", false).await, "v1");
        let h = ssm
            .get_parameter_history()
            .name("/lab/p")
            .send()
            .await
            .expect("history");
        assert_eq!(
            h.parameters()[0].labels(),
            [long.as_str(), "ok-1.x_y", "prod"]
        );
        assert!(h.parameters()[2].labels().is_empty());

        // Ten labels per version.
        let ten: Vec<String> = (0..10).map(|i| format!("l{i}")).collect();
        ssm.label_parameter_version()
            .name("/lab/p")
            .parameter_version(2)
            .set_labels(Some(ten.clone()))
            .send()
            .await
            .expect("ten labels");
        // Labels it already has do not count again.
        ssm.label_parameter_version()
            .name("/lab/p")
            .parameter_version(2)
            .labels("l0")
            .send()
            .await
            .expect("again");
        fails!(
            ssm.label_parameter_version()
                .name("/lab/p")
                .parameter_version(2)
                .labels("l10"),
            "ParameterVersionLabelLimitExceeded"
        );
        fails!(
            ssm.label_parameter_version()
                .name("/lab/p")
                .labels("l".repeat(3))
                .set_labels(Some((0..11).map(|i| format!("m{i}")).collect())),
            "ValidationException"
        );
        // Unknown versions and parameters; selectors in the name.
        fails!(
            ssm.label_parameter_version()
                .name("/lab/p")
                .parameter_version(9)
                .labels("x"),
            "ParameterVersionNotFound"
        );
        fails!(
            ssm.label_parameter_version().name("/lab/nope").labels("x"),
            "ParameterNotFound"
        );
        fails!(
            ssm.label_parameter_version().name("/lab/p:1").labels("x"),
            "ValidationException"
        );

        // Unlabel: removed, and the ones that were not on that version.
        let out = ssm
            .unlabel_parameter_version()
            .name("/lab/p")
            .parameter_version(1)
            .labels("prod")
            .labels("nope")
            .labels("l0")
            .send()
            .await
            .expect("unlabel");
        assert_eq!(out.removed_labels(), ["prod"]);
        assert_eq!(out.invalid_labels(), ["nope", "l0"]);
        fails!(
            ssm.get_parameter().name("/lab/p:prod"),
            "ParameterVersionNotFound"
        );
        assert_eq!(value(&ssm, "/lab/p:l0", false).await, "v2");
        fails!(
            ssm.unlabel_parameter_version()
                .name("/lab/p")
                .parameter_version(9)
                .labels("l0"),
            "ParameterVersionNotFound"
        );
        fails!(
            ssm.unlabel_parameter_version()
                .name("/lab/nope")
                .parameter_version(1)
                .labels("l0"),
            "ParameterNotFound"
        );
        // A freed slot takes a new label.
        ssm.unlabel_parameter_version()
            .name("/lab/p")
            .parameter_version(2)
            .labels("l9")
            .send()
            .await
            .expect("unlabel");
        ssm.label_parameter_version()
            .name("/lab/p")
            .parameter_version(2)
            .labels("l10")
            .send()
            .await
            .expect("the tenth again");
        srv.stop().await;
    }
}

#[tokio::test]
async fn delete_one_or_many_and_recreate_from_scratch() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        ssm.put_parameter()
            .name("/del/a")
            .value("a1")
            .r#type(ParameterType::String)
            .tags(tag("owner", "old"))
            .send()
            .await
            .expect("put");
        put(&ssm, "/del/a", "a2", ParameterType::String).await;
        ssm.label_parameter_version()
            .name("/del/a")
            .labels("prod")
            .send()
            .await
            .expect("label");
        put(&ssm, "/del/b", "b", ParameterType::SecureString).await;
        put(&ssm, "/del/c", "c", ParameterType::String).await;

        ssm.delete_parameter()
            .name("/del/a")
            .send()
            .await
            .expect("delete");
        fails!(ssm.get_parameter().name("/del/a"), "ParameterNotFound");
        fails!(ssm.delete_parameter().name("/del/a"), "ParameterNotFound");
        fails!(
            ssm.get_parameter_history().name("/del/a"),
            "ParameterNotFound"
        );

        let out = ssm
            .delete_parameters()
            .names("/del/b")
            .names("/del/nope")
            .names("/del/c")
            .send()
            .await
            .expect("delete many");
        assert_eq!(out.deleted_parameters(), ["/del/b", "/del/c"]);
        assert_eq!(out.invalid_parameters(), ["/del/nope"]);
        assert!(by_path(&ssm, "/del", true, vec![]).await.is_empty());
        fails!(
            ssm.delete_parameters()
                .set_names(Some((0..11).map(|i| format!("/del/{i}")).collect())),
            "ValidationException"
        );

        // Created again: version 1, no old tags, labels or history.
        let out = ssm
            .put_parameter()
            .name("/del/a")
            .value("new")
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("recreate");
        assert_eq!(out.version(), 1);
        let tags = ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id("/del/a")
            .send()
            .await
            .expect("tags");
        assert!(tags.tag_list().is_empty(), "{:?}", tags.tag_list());
        let h = ssm
            .get_parameter_history()
            .name("/del/a")
            .send()
            .await
            .expect("history");
        assert_eq!(h.parameters().len(), 1);
        assert!(h.parameters()[0].labels().is_empty());
        fails!(
            ssm.get_parameter().name("/del/a:prod"),
            "ParameterVersionNotFound"
        );
        assert_eq!(value(&ssm, "/del/a", false).await, "new");
        srv.stop().await;
    }
}

#[tokio::test]
async fn concurrent_writes_keep_versions_whole() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        put(&ssm, "/race/p", "v0", ParameterType::String).await;

        // Overwrites at once: each one is a version of its own or a clean refusal.
        let results = futures_util::future::join_all((1..=8).map(|i| {
            ssm.put_parameter()
                .name("/race/p")
                .value(format!("w{i}"))
                .overwrite(true)
                .send()
        }))
        .await;
        let mut versions = Vec::new();
        for r in &results {
            match r {
                Ok(out) => versions.push(out.version()),
                Err(e) => assert_eq!(aws_error(e).0, "TooManyUpdates", "{:?}", aws_error(e)),
            }
        }
        versions.sort();
        let n = versions.len() as i64;
        assert!(n >= 1);
        assert_eq!(versions, (2..=n + 1).collect::<Vec<_>>());
        let h = ssm
            .get_parameter_history()
            .name("/race/p")
            .send()
            .await
            .expect("history");
        assert_eq!(
            h.parameters()
                .iter()
                .map(|v| v.version())
                .collect::<Vec<_>>(),
            (1..=n + 1).collect::<Vec<_>>()
        );
        let latest = ssm
            .get_parameter()
            .name("/race/p")
            .send()
            .await
            .expect("get");
        assert_eq!(latest.parameter().map(|p| p.version()), Some(n + 1));

        // Creations at once: one wins, the others are told it exists (or to retry).
        let results = futures_util::future::join_all((1..=6).map(|i| {
            ssm.put_parameter()
                .name("/race/new")
                .value(format!("c{i}"))
                .r#type(ParameterType::SecureString)
                .send()
        }))
        .await;
        let mut created = 0;
        for r in &results {
            match r {
                Ok(out) => {
                    assert_eq!(out.version(), 1);
                    created += 1;
                }
                Err(e) => assert!(
                    ["ParameterAlreadyExists", "TooManyUpdates"].contains(&aws_error(e).0.as_str()),
                    "{:?}",
                    aws_error(e)
                ),
            }
        }
        assert_eq!(created, 1);
        assert!(value(&ssm, "/race/new", true).await.starts_with('c'));
        srv.stop().await;
    }
}

#[tokio::test]
async fn tags_on_parameters() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        ssm.put_parameter()
            .name("/tag/p")
            .value("x")
            .r#type(ParameterType::String)
            .tags(tag("team", "a"))
            .send()
            .await
            .expect("put");
        put(&ssm, "plain", "y", ParameterType::String).await;
        let list = |id: &'static str| {
            let ssm = ssm.clone();
            async move {
                let out = ssm
                    .list_tags_for_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(id)
                    .send()
                    .await
                    .expect("list tags");
                out.tag_list()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list("/tag/p").await,
            [("team".to_string(), "a".to_string())]
        );
        ssm.add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id("/tag/p")
            .tags(tag("team", "b"))
            .tags(tag("env", "prod"))
            .send()
            .await
            .expect("add tags");
        ssm.add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id("plain")
            .tags(tag("env", "dev"))
            .send()
            .await
            .expect("add tags");
        assert_eq!(
            list("/tag/p").await,
            [
                ("env".to_string(), "prod".to_string()),
                ("team".to_string(), "b".to_string())
            ]
        );
        // Overwriting the value keeps the tags.
        put(&ssm, "/tag/p", "x2", ParameterType::String).await;
        assert_eq!(list("/tag/p").await.len(), 2);
        assert_eq!(
            described(&ssm, vec![filter("tag:env", None, &["prod", "dev"])]).await,
            strings(&["/tag/p", "plain"])
        );
        ssm.remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id("/tag/p")
            .tag_keys("team")
            .send()
            .await
            .expect("remove tags");
        assert_eq!(
            list("/tag/p").await,
            [("env".to_string(), "prod".to_string())]
        );
        fails!(
            ssm.add_tags_to_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id("/tag/nope")
                .tags(tag("a", "b")),
            "InvalidResourceId"
        );
        fails!(
            ssm.list_tags_for_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id("/tag/nope"),
            "InvalidResourceId"
        );
        srv.stop().await;
    }
}

/// An SDK client that signs with the manual clock's time (the server checks the skew
/// against its own, injected, clock).
fn client_at(
    srv: &TestServer,
    key: &bosun_core::types::NewAccessKey,
    clock: &ManualClock,
) -> Client {
    use bosun_core::clock::Clock as _;
    srv.ssm_at(
        &key.access_key_id,
        &key.secret_access_key,
        Some(std::time::SystemTime::from(clock.now())),
    )
}

async fn events_of(srv: &TestServer, name: &str) -> Vec<String> {
    bosun_core::parameters::events(&srv.core, &Actor::cli(), Some(name), 100)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn audited(srv: &TestServer, action: &str, name: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = $1 AND resource = $2")
        .bind(action)
        .bind(format!("parameter/{name}"))
        .fetch_all(srv.core.db().pool())
        .await
        .expect("audit")
}

/// Runs the policy sweep now (the server's sweeper may take a moment first: either
/// way, the moment is handled once and committed when this returns).
async fn sweep(srv: &TestServer) {
    bosun_core::parameters::sweep(&srv.core)
        .await
        .expect("sweep");
}

#[tokio::test]
async fn policies_take_effect_as_time_passes() {
    use bosun_core::clock::Clock as _;
    for db in TestDb::all().await {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let srv = TestServer::start_with_clock(db, Arc::new(clock.clone())).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let start = clock.now();
        // A client per request: the SDK corrects its clock by the skew it sees in the
        // server's Date header (real time), which would undo the signing time.
        let ssm = || client_at(&srv, &key, &clock);

        // Expires in 10 days, notice 3 days before; another one notices no change
        // after 2 days.
        ssm().put_parameter()
            .name("/exp/p")
            .value("short-lived")
            .r#type(ParameterType::SecureString)
            .tier(ParameterTier::Advanced)
            .tags(tag("k", "v"))
            .policies(format!(
                "[{},{}]",
                expiration_in(10, start),
                r#"{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"3","Unit":"Days"}}"#
            ))
            .send()
            .await
            .expect("put with expiration");
        ssm().put_parameter()
            .name("/exp/still")
            .value("x")
            .r#type(ParameterType::String)
            .tier(ParameterTier::Advanced)
            .policies(
                r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Days"}}]"#,
            )
            .send()
            .await
            .expect("put with no-change notification");
        sweep(&srv).await;
        assert!(events_of(&srv, "/exp/p").await.is_empty());
        assert!(events_of(&srv, "/exp/still").await.is_empty());

        // Day 2 and an hour: the no-change notice.
        clock.advance(time::Duration::days(2) + time::Duration::hours(1));
        sweep(&srv).await;
        assert_eq!(
            events_of(&srv, "/exp/still").await,
            ["NoChangeNotification"]
        );
        assert_eq!(
            audited(&srv, "NoChangeNotification", "/exp/still")
                .await
                .len(),
            1
        );
        assert!(events_of(&srv, "/exp/p").await.is_empty());
        let statuses = |ssm: &Client, name: &'static str| {
            let ssm = ssm.clone();
            async move {
                let out = ssm
                    .describe_parameters()
                    .parameter_filters(filter("Name", None, &[name]))
                    .send()
                    .await
                    .expect("describe");
                out.parameters()[0]
                    .policies()
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}",
                            p.policy_type().unwrap_or_default(),
                            p.policy_status().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            statuses(&ssm(), "/exp/still").await,
            ["NoChangeNotification:Finished"]
        );
        // Sweeping again does not notify again.
        sweep(&srv).await;
        assert_eq!(events_of(&srv, "/exp/still").await.len(), 1);

        // Day 7 and an hour: the expiration notice (3 days before day 10).
        clock.advance(time::Duration::days(5));
        sweep(&srv).await;
        assert_eq!(events_of(&srv, "/exp/p").await, ["ExpirationNotification"]);
        assert_eq!(
            audited(&srv, "ExpirationNotification", "/exp/p")
                .await
                .len(),
            1
        );
        assert_eq!(
            statuses(&ssm(), "/exp/p").await,
            ["Expiration:Pending", "ExpirationNotification:Finished"]
        );
        assert_eq!(value(&ssm(), "/exp/p", true).await, "short-lived");

        // Day 8 and a half: still there.
        clock.advance(time::Duration::days(2) + time::Duration::hours(22));
        sweep(&srv).await;
        assert!(!value(&ssm(), "/exp/p", false).await.is_empty());
        // Day 10 and a minute: gone, with its tags; the event and audit entry stay.
        clock.advance(time::Duration::hours(1) + time::Duration::minutes(1));
        sweep(&srv).await;
        fails!(ssm().get_parameter().name("/exp/p"), "ParameterNotFound");
        assert_eq!(
            events_of(&srv, "/exp/p").await,
            ["Expired", "ExpirationNotification"]
        );
        let audit = audited(&srv, "Expired", "/exp/p").await;
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert_eq!(audit[0].0, "system");
        assert!(!audit[0].1.contains("short-lived"));
        let tags: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tags WHERE resource_type = 'Parameter' AND resource_id = $1",
        )
        .bind("/exp/p")
        .fetch_one(srv.core.db().pool())
        .await
        .expect("tags");
        assert_eq!(tags, 0);
        // The other parameter is untouched.
        assert_eq!(value(&ssm(), "/exp/still", false).await, "x");

        // A change restarts the no-change clock: 2 days after it, a second notice.
        put(&ssm(), "/exp/still", "y", ParameterType::String).await;
        assert_eq!(
            statuses(&ssm(), "/exp/still").await,
            ["NoChangeNotification:Pending"]
        );
        clock.advance(time::Duration::days(1));
        sweep(&srv).await;
        assert_eq!(events_of(&srv, "/exp/still").await.len(), 1);
        clock.advance(time::Duration::days(1) + time::Duration::minutes(1));
        sweep(&srv).await;
        assert_eq!(
            events_of(&srv, "/exp/still").await,
            ["NoChangeNotification", "NoChangeNotification"]
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_server_sweeper_applies_policies_on_its_own() {
    // The same as above without calling the sweep: the server's own sweeper (every
    // second) deletes the parameter once the clock has passed its expiration.
    use bosun_core::clock::Clock as _;
    let db = TestDb::sqlite().await;
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let srv = TestServer::start_with_clock(db, Arc::new(clock.clone())).await;
    let key = srv.user_with_key("ops", Role::Operator).await;
    let ssm = client_at(&srv, &key, &clock);
    ssm.put_parameter()
        .name("/auto/p")
        .value("x")
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .policies(format!("[{}]", expiration_in(1, clock.now())))
        .send()
        .await
        .expect("put");
    clock.advance(time::Duration::days(1) + time::Duration::seconds(1));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bosun_core::parameters::store::get(srv.core.db().pool(), "/auto/p")
        .await
        .expect("read")
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sweeper did not expire the parameter"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(events_of(&srv, "/auto/p").await, ["Expired"]);
    srv.stop().await;
}

// ---- secrets stay secret ----------------------------------------------------------------

mod capture {
    //! Every log event of this test process at TRACE, while switched on (targets of the
    //! AWS SDK, the client side, are left out: it logs the requests it sends).

    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, Once};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;

    static ON: AtomicBool = AtomicBool::new(false);
    static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    static INSTALL: Once = Once::new();

    struct Sink;

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            LOG.lock().expect("log").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Installs the process-wide subscriber (once) and starts capturing; false when
    /// another subscriber was installed first (then nothing is captured).
    pub fn start() -> bool {
        let mut installed = true;
        INSTALL.call_once(|| {
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(|| Sink)
                .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                    ON.load(Ordering::SeqCst) && !meta.target().starts_with("aws_")
                }));
            installed = tracing_subscriber::registry()
                .with(layer)
                .try_init()
                .is_ok();
        });
        ON.store(true, Ordering::SeqCst);
        installed
    }

    /// Stops capturing; returns what was captured.
    pub fn stop() -> String {
        ON.store(false, Ordering::SeqCst);
        String::from_utf8_lossy(&std::mem::take(&mut *LOG.lock().expect("log"))).into_owned()
    }
}

/// Every text column of the tables that could hold a value (PostgreSQL: there are no
/// files of ours to read).
async fn stored_text(srv: &TestServer) -> String {
    let mut out = String::new();
    for (table, columns) in [
        (
            "audit_log",
            "actor || '|' || action || '|' || resource || '|' || detail",
        ),
        (
            "parameters",
            "name || '|' || description || '|' || policies || '|' || key_id",
        ),
        (
            "parameter_versions",
            "name || '|' || description || '|' || COALESCE(value, '')",
        ),
        ("parameter_events", "name || '|' || kind || '|' || detail"),
    ] {
        let sql = format!("SELECT {columns} FROM {table}");
        let rows: Vec<String> = sqlx::query_scalar(&sql)
            .fetch_all(srv.core.db().pool())
            .await
            .expect("read back");
        out.push_str(&rows.join("\n"));
    }
    out
}

/// The SQLite files of a server over SQLite (database, WAL, shared memory).
fn sqlite_files(srv: &TestServer) -> Vec<std::path::PathBuf> {
    let url = srv.core.db().url();
    let Some(rest) = url.strip_prefix("sqlite://") else {
        return Vec::new();
    };
    let db = std::path::PathBuf::from(rest.split('?').next().expect("path"));
    let mut files = vec![db.clone()];
    for suffix in ["-wal", "-shm"] {
        let mut f = db.clone().into_os_string();
        f.push(suffix);
        files.push(f.into());
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_secure_string_value_appears_only_in_decrypting_reads() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        let canary = format!("canary-{}", uuid::Uuid::new_v4());
        let capturing = capture::start();
        let mut seen: Vec<String> = Vec::new();

        ssm.put_parameter()
            .name("/canary/secret")
            .value(&canary)
            .r#type(ParameterType::SecureString)
            .description("holds the canary")
            .send()
            .await
            .expect("put");
        // A second version, so history has more than one sealed value.
        ssm.put_parameter()
            .name("/canary/secret")
            .value(format!("{canary}-2"))
            .overwrite(true)
            .send()
            .await
            .expect("put again");
        ssm.label_parameter_version()
            .name("/canary/secret")
            .parameter_version(1)
            .labels("first")
            .send()
            .await
            .expect("label");

        let got = ssm
            .get_parameter()
            .name("/canary/secret:first")
            .send()
            .await
            .expect("get");
        seen.push(format!("{got:?}"));
        let got = ssm
            .get_parameters()
            .names("/canary/secret")
            .names("/canary/secret:1")
            .send()
            .await
            .expect("get parameters");
        seen.push(format!("{got:?}"));
        let described = ssm.describe_parameters().send().await.expect("describe");
        seen.push(format!("{described:?}"));
        let history = ssm
            .get_parameter_history()
            .name("/canary/secret")
            .send()
            .await
            .expect("history");
        assert_eq!(history.parameters().len(), 2);
        seen.push(format!("{history:?}"));
        let by_path = ssm
            .get_parameters_by_path()
            .path("/canary")
            .send()
            .await
            .expect("by path");
        assert_eq!(by_path.parameters().len(), 1);
        seen.push(format!("{by_path:?}"));
        // Refusals.
        let e = ssm
            .put_parameter()
            .name("/canary/secret")
            .value(&canary)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect_err("exists");
        assert_eq!(aws_error(&e).0, "ParameterAlreadyExists");
        seen.push(format!("{:?}", aws_error(&e)));
        let e = ssm
            .put_parameter()
            .name("/canary/secret")
            .value(format!("{canary}!"))
            .overwrite(true)
            .allowed_pattern("[a-z0-9-]+")
            .send()
            .await
            .expect_err("pattern");
        assert_eq!(aws_error(&e).0, "ParameterPatternMismatchException");
        seen.push(format!("{:?}", aws_error(&e)));
        let e = ssm
            .put_parameter()
            .name("/canary/other")
            .value(&canary)
            .r#type(ParameterType::from("Secret"))
            .send()
            .await
            .expect_err("bad type");
        assert_eq!(aws_error(&e).0, "ValidationException");
        seen.push(format!("{:?}", aws_error(&e)));
        let e = ssm
            .put_parameter()
            .name("/canary/big")
            .value(format!("{canary}{}", "x".repeat(5000)))
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect_err("too big for Standard");
        assert_eq!(aws_error(&e).0, "ValidationException");
        seen.push(format!("{:?}", aws_error(&e)));
        let viewer = srv.user_with_key("viewer", Role::Viewer).await;
        let vssm = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
        let e = vssm
            .get_parameter()
            .name("/canary/secret")
            .with_decryption(true)
            .send()
            .await
            .expect_err("viewer");
        seen.push(format!("{:?}", aws_error(&e)));
        let got = vssm
            .get_parameter_history()
            .name("/canary/secret")
            .send()
            .await
            .expect("viewer history");
        seen.push(format!("{got:?}"));

        // Only a decrypting read by an operator returns it.
        assert_eq!(value(&ssm, "/canary/secret:1", true).await, canary);
        let logs = capture::stop();

        for (i, s) in seen.iter().enumerate() {
            assert!(!s.contains(&canary), "response {i} holds the value: {s}");
        }
        if capturing {
            assert!(
                logs.contains("bosun_server::web"),
                "the capture saw no server events:\n{}",
                &logs[..logs.len().min(2000)]
            );
            let leaked: Vec<&str> = logs.lines().filter(|l| l.contains(&canary)).collect();
            assert!(leaked.is_empty(), "logged: {leaked:#?}");
        } else {
            eprintln!("note: another tracing subscriber was installed first; logs not checked");
        }
        let text = stored_text(&srv).await;
        assert!(text.contains("/canary/secret"), "read back the tables");
        assert!(!text.contains(&canary), "stored in clear");
        // The audit log has the decryption (name and version), not the value.
        let decrypts = audited(&srv, "Decrypt", "/canary/secret").await;
        assert!(
            decrypts
                .iter()
                .any(|(_, d)| d.contains("GetParameter") && d.contains("version 1")),
            "{decrypts:?}"
        );

        // The SQLite files, while the server runs (recent writes are in the WAL) and
        // after the pool is closed (checkpointed into the database file).
        let files = sqlite_files(&srv);
        if srv.core.db().backend() == bosun_core::db::Backend::Sqlite {
            let check = |when: &str| {
                let mut all = Vec::new();
                for f in &files {
                    if let Ok(bytes) = std::fs::read(f) {
                        assert!(
                            !contains(&bytes, canary.as_bytes()),
                            "{} holds the value ({when})",
                            f.display()
                        );
                        all.extend(bytes);
                    }
                }
                assert!(
                    contains(&all, b"/canary/secret"),
                    "{files:?} are not the server's files ({when})"
                );
            };
            check("running");
            srv.core.db().close().await;
            check("closed");
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_parameter_or_version_does_not_decrypt() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let ssm = operator(&srv).await;
        put(&ssm, "/swap/a", "value-of-a", ParameterType::SecureString).await;
        put(&ssm, "/swap/a", "value-of-a-2", ParameterType::SecureString).await;
        put(&ssm, "/swap/b", "value-of-b", ParameterType::SecureString).await;
        let pool = srv.core.db().pool();
        let sealed_a1: Vec<u8> = sqlx::query_scalar(
            "SELECT sealed FROM parameter_versions WHERE name = $1 AND version = $2",
        )
        .bind("/swap/a")
        .bind(1_i64)
        .fetch_one(pool)
        .await
        .expect("sealed");
        for (name, version) in [("/swap/b", 1_i64), ("/swap/a", 2_i64)] {
            let n = sqlx::query(
                "UPDATE parameter_versions SET sealed = $1 WHERE name = $2 AND version = $3",
            )
            .bind(sealed_a1.clone())
            .bind(name)
            .bind(version)
            .execute(pool)
            .await
            .expect("swap")
            .rows_affected();
            assert_eq!(n, 1);
        }
        for name in ["/swap/b", "/swap/a", "/swap/a:2"] {
            let e = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .expect_err(name);
            let (exception, message) = aws_error(&e);
            assert_eq!(exception, "InternalServerError", "{name}: {message}");
            for v in ["value-of-a", "value-of-b"] {
                assert!(!message.contains(v), "{message}");
            }
            // Read sealed, it is still served.
            assert!(!value(&ssm, name, false).await.is_empty());
        }
        // The one left in place still decrypts.
        assert_eq!(value(&ssm, "/swap/a:1", true).await, "value-of-a");
        srv.stop().await;
    }
}
