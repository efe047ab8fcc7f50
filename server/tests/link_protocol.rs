//! The agent link under hostile input: malformed, oversized, unknown and out-of-order
//! frames end that connection with a protocol error, and the server stays healthy for
//! everyone else.

mod common;

use bosun_core::testing::TestDb;
use bosun_protocol::{
    decode_server_message, ErrorCode, ServerMessage, MAX_FRAME_BYTES, PROTOCOL_VERSION, WS_PATH,
};
use common::TestServer;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(srv: &TestServer) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}{WS_PATH}", srv.addr))
        .await
        .expect("connect");
    ws
}

fn hello() -> Message {
    Message::text(format!(
        r#"{{"type":"hello","protocol":{PROTOCOL_VERSION},"agent_version":"test"}}"#
    ))
}

/// Reads until the server's error (or the end of the connection); returns the code.
async fn error_then_close(ws: &mut Ws) -> Option<ErrorCode> {
    let mut code = None;
    let read = async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(Message::Text(t)) => {
                    if let Ok(ServerMessage::Error { code: c, .. }) =
                        decode_server_message(t.as_str())
                    {
                        code = Some(c);
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(15), read)
        .await
        .expect("the server ends the connection");
    code
}

#[tokio::test]
async fn hostile_frames_end_the_connection_and_the_server_stays_healthy() {
    let srv = TestServer::start(TestDb::sqlite().await).await;

    let cases: Vec<(&str, Vec<Message>, Option<ErrorCode>)> = vec![
        (
            "not json",
            vec![Message::text("hello?")],
            Some(ErrorCode::BadMessage),
        ),
        (
            "binary first",
            vec![Message::binary(vec![1u8, 2, 3])],
            Some(ErrorCode::BadMessage),
        ),
        (
            "unknown type",
            vec![Message::text(r#"{"type":"launch","x":1}"#)],
            Some(ErrorCode::BadMessage),
        ),
        (
            "heartbeat before hello",
            vec![Message::text(r#"{"type":"heartbeat","seq":1}"#)],
            Some(ErrorCode::BadMessage),
        ),
        (
            "wrong protocol",
            vec![Message::text(
                r#"{"type":"hello","protocol":99,"agent_version":"x"}"#,
            )],
            Some(ErrorCode::UnsupportedProtocol),
        ),
        (
            "heartbeat before authentication",
            vec![hello(), Message::text(r#"{"type":"heartbeat","seq":1}"#)],
            Some(ErrorCode::BadMessage),
        ),
        (
            "instance info before authentication",
            vec![
                hello(),
                Message::text(
                    r#"{"type":"instance_info","hostname":"h","computer_name":"c","ip_addresses":[],"platform_name":"","platform_version":"","platform_type":"Linux","kernel":"","architecture":"","agent_version":""}"#,
                ),
            ],
            Some(ErrorCode::BadMessage),
        ),
        (
            "forged authentication",
            vec![
                hello(),
                Message::text(format!(
                    r#"{{"type":"authenticate","instance_id":"mi-0123456789abcdef0","signature":"{}"}}"#,
                    "00".repeat(64)
                )),
            ],
            Some(ErrorCode::AuthenticationFailed),
        ),
        (
            "registration with a made-up activation",
            vec![
                hello(),
                Message::text(format!(
                    r#"{{"type":"register","activation_id":"{}","activation_code":"{}","public_key":"{}"}}"#,
                    uuid::Uuid::new_v4(),
                    "c".repeat(20),
                    "11".repeat(32)
                )),
            ],
            Some(ErrorCode::InvalidActivationId),
        ),
    ];
    for (name, frames, want) in cases {
        let mut ws = connect(&srv).await;
        for f in frames {
            ws.send(f).await.expect("send");
        }
        assert_eq!(error_then_close(&mut ws).await, want, "{name}");
    }

    // An oversized frame: the connection is dropped (the frame is never parsed).
    let mut ws = connect(&srv).await;
    let big = format!(
        r#"{{"type":"hello","protocol":1,"agent_version":"{}"}}"#,
        "x".repeat(MAX_FRAME_BYTES + 1)
    );
    let _ = ws.send(Message::text(big)).await;
    let _ = error_then_close(&mut ws).await;

    // Everyone else is unaffected.
    let res = reqwest::get(format!("{}/healthz", srv.url))
        .await
        .expect("healthz");
    assert_eq!(res.status().as_u16(), 200);
    let mut ws = connect(&srv).await;
    ws.send(hello()).await.expect("hello");
    match ws.next().await {
        Some(Ok(Message::Text(t))) => assert!(matches!(
            decode_server_message(t.as_str()),
            Ok(ServerMessage::Welcome { .. })
        )),
        other => panic!("expected a welcome, got {other:?}"),
    }
    srv.stop().await;
}
