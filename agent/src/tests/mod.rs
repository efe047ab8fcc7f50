//! End-to-end tests: the real `register` and `run` against a small WebSocket server
//! written here ([`fake_server`]), which speaks the server side of the protocol.

pub(crate) mod fake_server;

mod e2e;
mod run_command;
