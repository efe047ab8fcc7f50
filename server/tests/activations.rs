//! Hybrid activations through the official SDK, on SQLite and PostgreSQL.

mod common;

use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{DescribeActivationsFilter, DescribeActivationsFilterKeys, Tag};
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use common::{aws_error, TestServer};
use std::time::{Duration, SystemTime};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

#[tokio::test]
async fn create_describe_and_delete_activations() {
    for db in TestDb::all().await {
        let srv = TestServer::start(db).await;
        let key = srv.user_with_key("fleet-op", Role::Operator).await;
        let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

        let created = ssm
            .create_activation()
            .iam_role("SSMServiceRole")
            .description("web tier")
            .default_instance_name("web")
            .registration_limit(10)
            .tags(tag("Environment", "prod"))
            .send()
            .await
            .expect("create");
        let id = created.activation_id().expect("id").to_string();
        let code = created.activation_code().expect("code").to_string();
        assert_eq!(id.len(), 36);
        assert!(code.len() >= 20, "the model's minimum");

        // The code is stored only as a hash.
        let stored: String = sqlx::query_scalar("SELECT code_hash FROM activations WHERE id = $1")
            .bind(&id)
            .fetch_one(srv.core.db().pool())
            .await
            .expect("row");
        assert_ne!(stored, code);

        let second = ssm
            .create_activation()
            .iam_role("OtherRole")
            .send()
            .await
            .expect("create 2");
        let second_id = second.activation_id().expect("id").to_string();

        let all = ssm.describe_activations().send().await.expect("describe");
        assert_eq!(all.activation_list().len(), 2);
        let filtered = ssm
            .describe_activations()
            .filters(
                DescribeActivationsFilter::builder()
                    .filter_key(DescribeActivationsFilterKeys::ActivationIds)
                    .filter_values(&id)
                    .build(),
            )
            .send()
            .await
            .expect("filtered");
        let a = &filtered.activation_list()[0];
        assert_eq!(filtered.activation_list().len(), 1);
        assert_eq!(
            (a.description(), a.default_instance_name(), a.iam_role()),
            (Some("web tier"), Some("web"), Some("SSMServiceRole"))
        );
        assert_eq!(
            (a.registration_limit(), a.registrations_count(), a.expired()),
            (Some(10), Some(0), false)
        );
        assert_eq!(a.tags().len(), 1);
        let expires = a.expiration_date().expect("expiry").secs();
        let created_at = a.created_date().expect("created").secs();
        assert!(
            (expires - created_at - 24 * 3600).abs() <= 1,
            "24 hours by default"
        );

        // Pagination with a token.
        let page1 = ssm
            .describe_activations()
            .max_results(1)
            .send()
            .await
            .expect("page 1");
        assert_eq!(page1.activation_list().len(), 1);
        let token = page1.next_token().expect("more").to_string();
        let page2 = ssm
            .describe_activations()
            .max_results(1)
            .next_token(&token)
            .send()
            .await
            .expect("page 2");
        assert_eq!(page2.activation_list().len(), 1);
        assert_ne!(
            page1.activation_list()[0].activation_id(),
            page2.activation_list()[0].activation_id()
        );
        assert!(page2.next_token().is_none());
        let e = ssm
            .describe_activations()
            .next_token("garbage")
            .send()
            .await
            .expect_err("bad token");
        assert_eq!(aws_error(&e).0, "InvalidNextToken");

        // Activation tags: the service edits them (the console can); the API refuses
        // the resource type as AWS does (not in the model's ResourceTypeForTagging).
        bosun_core::tags::add_tags_to_resource(
            &srv.core,
            &bosun_core::Actor::cli(),
            "Activation",
            &second_id,
            &[bosun_core::types::Tag {
                key: "Team".into(),
                value: "ops".into(),
            }],
        )
        .await
        .expect("tag an activation");
        let tagged = ssm
            .describe_activations()
            .filters(
                aws_sdk_ssm::types::DescribeActivationsFilter::builder()
                    .filter_key(aws_sdk_ssm::types::DescribeActivationsFilterKeys::ActivationIds)
                    .filter_values(&second_id)
                    .build(),
            )
            .send()
            .await
            .expect("describe one");
        assert!(tagged.activation_list()[0]
            .tags()
            .iter()
            .any(|t| t.key() == "Team" && t.value() == "ops"));
        let e = ssm
            .add_tags_to_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::from(
                "Activation",
            ))
            .resource_id(&second_id)
            .tags(
                aws_sdk_ssm::types::Tag::builder()
                    .key("k")
                    .value("v")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await
            .expect_err("not a tagging resource type in the model");
        assert_eq!(aws_error(&e).0, "ValidationException");

        ssm.delete_activation()
            .activation_id(&second_id)
            .send()
            .await
            .expect("delete");
        let e = ssm
            .delete_activation()
            .activation_id(&second_id)
            .send()
            .await
            .expect_err("gone");
        assert_eq!(aws_error(&e).0, "InvalidActivationId");
        assert_eq!(
            ssm.describe_activations()
                .send()
                .await
                .expect("describe")
                .activation_list()
                .len(),
            1
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn activation_limits_and_roles() {
    let srv = TestServer::start(TestDb::sqlite().await).await;
    let key = srv.user_with_key("fleet-op", Role::Operator).await;
    let ssm = srv.ssm(&key.access_key_id, &key.secret_access_key);

    let e = ssm
        .create_activation()
        .iam_role("r")
        .registration_limit(1001)
        .send()
        .await
        .expect_err("limit");
    assert_eq!(aws_error(&e).0, "ValidationException", "the model's range");
    let in_31_days = SystemTime::now() + Duration::from_secs(31 * 24 * 3600);
    let e = ssm
        .create_activation()
        .iam_role("r")
        .expiration_date(DateTime::from(in_31_days))
        .send()
        .await
        .expect_err("too far");
    assert_eq!(aws_error(&e).0, "InvalidParameters");
    let e = ssm
        .create_activation()
        .iam_role("r")
        .expiration_date(DateTime::from(SystemTime::now() - Duration::from_secs(60)))
        .send()
        .await
        .expect_err("past");
    assert_eq!(aws_error(&e).0, "InvalidParameters");
    let e = ssm
        .create_activation()
        .iam_role("r")
        .tags(tag("aws:reserved", "x"))
        .send()
        .await
        .expect_err("reserved tag");
    assert_eq!(aws_error(&e).0, "InvalidParameters");

    let viewer = srv.user_with_key("watcher", Role::Viewer).await;
    let vssm = srv.ssm(&viewer.access_key_id, &viewer.secret_access_key);
    vssm.describe_activations()
        .send()
        .await
        .expect("viewers read");
    let e = vssm
        .create_activation()
        .iam_role("r")
        .send()
        .await
        .expect_err("viewers do not create");
    assert_eq!(aws_error(&e).0, "AccessDeniedException");
    srv.stop().await;
}
