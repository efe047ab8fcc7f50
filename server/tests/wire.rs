//! The API's wire contract below the SDK: raw HTTP requests signed with aws-sigv4 (the
//! AWS signer crate), checked for status codes, `__type` bodies and request ids.

mod common;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::TestServer;
use std::time::SystemTime;

/// Sends `body` to `target`, signed with `key` unless `key` is None.
async fn call(
    srv: &TestServer,
    key: Option<(&str, &str)>,
    target: &str,
    body: &[u8],
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut headers = vec![
        ("host".to_string(), srv.addr.to_string()),
        (
            "content-type".to_string(),
            "application/x-amz-json-1.1".to_string(),
        ),
        ("x-amz-target".to_string(), target.to_string()),
    ];
    if let Some((id, secret)) = key {
        let identity = Credentials::new(id, secret, None, None, "test").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("ssm")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("params")
            .into();
        let signable = SignableRequest::new(
            "POST",
            format!("{}/", srv.url),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let client = reqwest::Client::new();
    let mut req = client.post(format!("{}/", srv.url)).body(body.to_vec());
    for (k, v) in &headers {
        if k != "host" {
            req = req.header(k, v);
        }
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let json = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

#[tokio::test]
async fn errors_and_request_ids_on_the_wire() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let key = srv.user_with_key("wire", Role::Admin).await;
    let k = Some((key.access_key_id.as_str(), key.secret_access_key.as_str()));

    let (status, headers, body) = call(
        &srv,
        k,
        "AmazonSSM.GetServiceSetting",
        br#"{"SettingId":"/ssm/parameter-store/high-throughput-enabled"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains_key("x-amzn-requestid"));
    assert_eq!(body["ServiceSetting"]["SettingValue"], "false");
    assert!(
        body["ServiceSetting"]["LastModifiedDate"].is_number(),
        "timestamps are epoch seconds"
    );

    // (key, target, body, status, __type)
    type Case<'a> = (Option<(&'a str, &'a str)>, &'a str, &'a [u8], u16, &'a str);
    let cases: &[Case] = &[
        (
            None,
            "AmazonSSM.GetServiceSetting",
            b"{}",
            400,
            "MissingAuthenticationTokenException",
        ),
        (
            k,
            "AmazonSSM.NoSuchThing",
            b"{}",
            400,
            "UnknownOperationException",
        ),
        (
            k,
            "Other.GetServiceSetting",
            b"{}",
            400,
            "UnknownOperationException",
        ),
        (
            k,
            "AmazonSSM.GetServiceSetting",
            b"{}",
            400,
            "ValidationException",
        ),
        (
            k,
            "AmazonSSM.GetServiceSetting",
            b"{not json",
            400,
            "SerializationException",
        ),
        (
            k,
            "AmazonSSM.GetServiceSetting",
            br#"{"SettingId": 7}"#,
            400,
            "SerializationException",
        ),
        (
            k,
            // OpsCenter is not part of Bosun's plan.
            "AmazonSSM.DescribeOpsItems",
            br#"{}"#,
            400,
            "UnsupportedOperationException",
        ),
    ];
    for (key, target, body_in, want_status, want_type) in cases {
        let (status, headers, body) = call(&srv, *key, target, body_in).await;
        assert_eq!(
            (status, body["__type"].as_str()),
            (*want_status, Some(*want_type)),
            "{target} {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(headers.contains_key("x-amzn-requestid"), "{target}");
    }

    // Oversized bodies are refused before any parsing.
    let big = vec![b' '; bosun_server::api::MAX_BODY_BYTES + 1];
    let (status, _, body) = call(&srv, k, "AmazonSSM.GetServiceSetting", &big).await;
    assert_eq!(status, 413, "{body}");
    srv.stop().await;
}
