//! Any bytes a peer may send: the decoders never panic, refuse what is too large, and
//! whatever they accept re-encodes to a message that decodes to the same value. Node
//! information, once bounded, is within its limits.
#![no_main]

use bosun_protocol::{
    decode_agent_message, decode_server_message, encode, AgentMessage, ProtocolError,
    MAX_FRAME_BYTES,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_agent_message(text) {
        Ok(message) => {
            assert!(text.len() <= MAX_FRAME_BYTES);
            let again = decode_agent_message(&encode(&message)).expect("re-encoded message decodes");
            assert_eq!(again, message);
            if let AgentMessage::InstanceInfo(info) = message {
                let bounded = info.bounded();
                assert_eq!(bounded.clone().bounded(), bounded, "bounding is idempotent");
            }
        }
        Err(ProtocolError::TooLarge(n)) => assert!(n > MAX_FRAME_BYTES),
        Err(ProtocolError::Malformed(m)) => assert!(m.chars().count() <= 200),
    }
    if let Ok(message) = decode_server_message(text) {
        let again = decode_server_message(&encode(&message)).expect("re-encoded message decodes");
        assert_eq!(again, message);
    }
});
