//! Webhook notifications end to end: a parameter policy fires, the real server POSTs the
//! notification to a real HTTP receiver, signed; a failed delivery is retried with the
//! same delivery id after its backoff. Runs on SQLite and PostgreSQL.

mod common;

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bosun_core::clock::{Clock as _, ManualClock};
use bosun_core::testing::TestDb;
use bosun_core::types::Role;
use bosun_server::config::Redacted;
use common::{serve_args, TestServer};
use hmac::{Hmac, Mac};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

const SECRET: &str = "webhook secret for tests";

#[derive(Clone)]
struct Receiver {
    answers: Arc<Mutex<VecDeque<StatusCode>>>,
    got: mpsc::UnboundedSender<(HeaderMap, String)>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let answer = r
        .answers
        .lock()
        .expect("answers")
        .pop_front()
        .unwrap_or(StatusCode::OK);
    let _ = r.got.send((headers, body));
    answer
}

/// An HTTP receiver on port 0 answering `answers` in turn (then 200).
async fn receiver(
    answers: &[StatusCode],
) -> (String, mpsc::UnboundedReceiver<(HeaderMap, String)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
        got: tx,
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(HeaderMap, String)>) -> (HeaderMap, String) {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a webhook request within 20 s")
        .expect("receiver alive")
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("header {name}"))
}

/// Checks the signature as a receiver would, with its own HMAC.
fn verify(h: &HeaderMap, body: &str) {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(format!("{}.{body}", header(h, "x-bosun-timestamp")).as_bytes());
    let want = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header(h, "x-bosun-signature"), want);
}

/// Waits until the outbox row reaches `status` with `attempts` and, for a failed
/// attempt, its error (the dispatcher records an outcome just after the receiver has
/// answered; the attempt is counted when it is claimed, before it is sent).
async fn outbox_reaches(srv: &TestServer, id: &str, status: &str, attempts: i64) -> Option<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let row = bosun_core::notify::store::state(srv.core.db().pool(), id)
            .await
            .expect("state");
        if let Some((s, a, err)) = row {
            if s == status && a == attempts && (status != "pending" || err.is_some()) {
                return err;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox {id} never reached {status}/{attempts}"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn policy_notifications_reach_the_webhook_signed_and_retried() {
    for db in TestDb::all().await {
        let backend = db.backend().as_str();
        let (url, mut got) = receiver(&[StatusCode::SERVICE_UNAVAILABLE]).await;
        let mut args = serve_args(None);
        args.webhook_url = Some(url);
        args.webhook_secret = Some(Redacted(SECRET.into()));
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let srv = TestServer::start_full(db, args, Arc::new(clock.clone())).await;
        let key = srv.user_with_key("ops", Role::Operator).await;
        let ssm = || {
            srv.ssm_at(
                &key.access_key_id,
                &key.secret_access_key,
                Some(std::time::SystemTime::from(clock.now())),
            )
        };
        ssm()
            .put_parameter()
            .name("/hooked/secret")
            .value("the value never leaves the store")
            .r#type(ParameterType::SecureString)
            .tier(ParameterTier::Advanced)
            .policies(
                r#"[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}}]"#,
            )
            .send()
            .await
            .expect("put");

        clock.advance(time::Duration::days(1) + time::Duration::minutes(1));
        bosun_core::parameters::sweep(&srv.core)
            .await
            .expect("sweep");

        // First attempt: signed, shaped like AWS's event; the receiver answers 503.
        let (h, body) = next(&mut got).await;
        verify(&h, &body);
        assert_eq!(header(&h, "x-bosun-event"), "Parameter Store Policy Action");
        assert_eq!(header(&h, "content-type"), "application/json");
        let event: serde_json::Value = serde_json::from_str(&body).expect("json");
        let id = header(&h, "x-bosun-delivery").to_string();
        assert_eq!(event["id"], id.as_str());
        assert_eq!(event["source"], "aws.ssm");
        assert_eq!(event["detail"]["parameter-name"], "/hooked/secret");
        assert_eq!(event["detail"]["policy-type"], "NoChangeNotification");
        assert_eq!(event["detail"]["parameter-type"], "Advanced");
        assert_eq!(
            event["resources"][0],
            format!(
                "arn:aws:ssm:us-east-1:{}:parameter/hooked/secret",
                srv.core.account_id()
            )
        );
        assert!(!body.contains("never leaves"), "{body}");
        let error = outbox_reaches(&srv, &id, "pending", 1).await;
        assert_eq!(
            error.as_deref(),
            Some("the webhook answered HTTP 503"),
            "{backend}"
        );

        // Nothing more until the backoff has passed; then the same delivery again.
        assert!(got.try_recv().is_err());
        clock.advance(time::Duration::seconds(6));
        let (h2, body2) = next(&mut got).await;
        verify(&h2, &body2);
        assert_eq!(header(&h2, "x-bosun-delivery"), id);
        assert_eq!(body2, body);
        outbox_reaches(&srv, &id, "delivered", 2).await;
        srv.stop().await;
    }
}
