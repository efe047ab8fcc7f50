//! The AWS API through the official Rust SDK (aws-sdk-ssm) against the real server:
//! signatures, errors as the SDK parses them, validation from the model, roles.

mod common;

use bosun_core::audit;
use bosun_core::testing::TestDb;
use bosun_core::types::{ListQuery, Role};
use bosun_core::Actor;
use common::{aws_error, TestServer};
use std::time::{Duration, SystemTime};

const TIER: &str = "/ssm/parameter-store/default-parameter-tier";

#[tokio::test]
async fn service_settings_round_trip_through_the_sdk() {
    for db in TestDb::all().await {
        let backend = db.backend();
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("ops-admin", Role::Admin).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

        let got = ssm
            .get_service_setting()
            .setting_id(TIER)
            .send()
            .await
            .expect("get");
        let s = got.service_setting().expect("setting");
        assert_eq!(s.setting_value(), Some("Standard"), "{backend:?}");
        assert_eq!(s.status(), Some("Default"));
        let arn = format!(
            "arn:aws:ssm:eu-west-1:{}:servicesetting{TIER}",
            srv.core.account_id()
        );
        assert_eq!(
            s.arn(),
            Some(arn.as_str()),
            "ARN carries the signed region and the account"
        );
        assert!(s.last_modified_date().is_some());

        ssm.update_service_setting()
            .setting_id(&arn)
            .setting_value("Advanced")
            .send()
            .await
            .expect("update by ARN");
        let s = ssm
            .get_service_setting()
            .setting_id(TIER)
            .send()
            .await
            .expect("get")
            .service_setting
            .expect("setting");
        assert_eq!(
            (s.setting_value(), s.status()),
            (Some("Advanced"), Some("Customized"))
        );
        let user_arn = format!("arn:aws:iam::{}:user/ops-admin", srv.core.account_id());
        assert_eq!(s.last_modified_user(), Some(user_arn.as_str()));

        let reset = ssm
            .reset_service_setting()
            .setting_id(TIER)
            .send()
            .await
            .expect("reset");
        assert_eq!(
            reset.service_setting().and_then(|s| s.setting_value()),
            Some("Standard")
        );

        // Every change through the API is in the audit log, attributed to the key's user.
        let log = audit::list(
            &srv.core,
            &Actor::cli(),
            &ListQuery {
                filters: vec![("source".into(), "api".into())],
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        let actions: Vec<_> = log
            .items
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str()))
            .collect();
        assert!(
            actions.contains(&("ops-admin", "UpdateServiceSetting")),
            "{actions:?}"
        );
        assert!(
            actions.contains(&("ops-admin", "ResetServiceSetting")),
            "{actions:?}"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn wrong_secret_is_an_invalid_signature() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let key = srv.user_with_key("op", Role::Operator).await;
    let ssm = srv.ssm(
        &key.access_key_id,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX",
    );
    let e = ssm
        .get_service_setting()
        .setting_id(TIER)
        .send()
        .await
        .expect_err("must fail");
    let (code, msg) = aws_error(&e);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        msg.contains("signature we calculated does not match"),
        "{msg}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn unknown_access_key_is_an_unrecognized_client() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let ssm = srv.ssm(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    );
    let e = ssm
        .get_service_setting()
        .setting_id(TIER)
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(aws_error(&e).0, "UnrecognizedClientException");
    srv.stop().await;
}

#[tokio::test]
async fn expired_timestamp_is_refused() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let key = srv.user_with_key("op", Role::Operator).await;
    let twenty_minutes_ago = SystemTime::now() - Duration::from_secs(20 * 60);
    let ssm = srv.ssm_at(
        &key.access_key_id,
        &key.secret_access_key,
        Some(twenty_minutes_ago),
    );
    let e = ssm
        .get_service_setting()
        .setting_id(TIER)
        .send()
        .await
        .expect_err("must fail");
    let (code, msg) = aws_error(&e);
    assert_eq!(code, "InvalidSignatureException");
    assert!(msg.starts_with("Signature expired"), "{msg}");
    // And a request from the future.
    let ssm = srv.ssm_at(
        &key.access_key_id,
        &key.secret_access_key,
        Some(SystemTime::now() + Duration::from_secs(20 * 60)),
    );
    let e = ssm
        .get_service_setting()
        .setting_id(TIER)
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(aws_error(&e).0, "InvalidSignatureException");
    srv.stop().await;
}

#[tokio::test]
async fn viewer_may_read_but_is_denied_an_update() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("vera", Role::Viewer).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        ssm.get_service_setting()
            .setting_id(TIER)
            .send()
            .await
            .expect("viewers read");
        let e = ssm
            .update_service_setting()
            .setting_id(TIER)
            .setting_value("Advanced")
            .send()
            .await
            .expect_err("denied");
        let (code, msg) = aws_error(&e);
        assert_eq!(code, "AccessDeniedException");
        assert!(
            msg.contains("vera") && msg.contains("UpdateServiceSetting"),
            "{msg}"
        );
        let log = audit::list(
            &srv.core,
            &Actor::cli(),
            &ListQuery {
                filters: vec![("outcome".into(), "denied".into())],
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        assert!(
            log.items
                .iter()
                .any(|e| e.actor == "vera" && e.source == "api"),
            "denial audited"
        );
        // The value did not change.
        let s = ssm
            .get_service_setting()
            .setting_id(TIER)
            .send()
            .await
            .expect("get")
            .service_setting
            .expect("s");
        assert_eq!(s.setting_value(), Some("Standard"));
        srv.stop().await;
    }
}

#[tokio::test]
async fn validation_errors_follow_the_model() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let key = srv.user_with_key("op", Role::Admin).await;
    let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

    let long = "x".repeat(1001);
    let e = ssm
        .get_service_setting()
        .setting_id(&long)
        .send()
        .await
        .expect_err("too long");
    let (code, msg) = aws_error(&e);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'settingId'") && msg.contains("less than or equal to 1000"),
        "{msg}"
    );

    let e = ssm
        .get_service_setting()
        .setting_id("/ssm/no/such/setting")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(aws_error(&e).0, "ServiceSettingNotFound");

    let e = ssm
        .update_service_setting()
        .setting_id(TIER)
        .setting_value("Premium")
        .send()
        .await
        .expect_err("bad value");
    let (code, msg) = aws_error(&e);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("Standard, Advanced, Intelligent-Tiering"),
        "{msg}"
    );

    // An operation of the model that Bosun does not implement yet says so by name.
    let e = ssm.describe_ops_items().send().await.expect_err("not yet");
    let (code, msg) = aws_error(&e);
    assert_eq!(code, "UnsupportedOperationException");
    assert!(msg.contains("DescribeOpsItems"), "{msg}");
    srv.stop().await;
}

#[tokio::test]
async fn disabled_users_keys_stop_working() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    // Each change takes effect at once, though the request just before it resolved the
    // key (this process forgets resolved keys on every change to keys or users).
    for case in ["disable the user", "delete the key"] {
        let key = srv
            .user_with_key(&case.replace(' ', "-"), Role::Operator)
            .await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);
        let call = || ssm.get_service_setting().setting_id(TIER).send();
        call().await.expect("works first");
        match case {
            "disable the user" => bosun_core::accounts::set_user_disabled(
                &srv.core,
                &Actor::cli(),
                &case.replace(' ', "-"),
                true,
            )
            .await
            .expect("disable"),
            _ => bosun_core::accounts::delete_access_key(
                &srv.core,
                &Actor::cli(),
                &key.access_key_id,
            )
            .await
            .expect("delete"),
        }
        let e = call().await.expect_err(case);
        assert_eq!(aws_error(&e).0, "UnrecognizedClientException", "{case}");
    }
    srv.stop().await;
}
