//! The HTTP sign-on response parsers the client runs on what a server answers.

use crate::auth::response::{
    challenge_data, client_login_data, decode_cookie, parse_envelope, start_session_data,
};
use crate::auth::Endpoint;

/// HTTP statuses a sign-on answer may come with; byte 0 of the input picks one.
const HTTP: [u16; 8] = [200, 200, 200, 401, 403, 500, 302, 204];

/// `clientLogin`, `getChallenge` and `startOSCARSession` answers, JSON or XML: byte 0 picks
/// the endpoint and the HTTP status, the rest is the body. Whatever parses is taken apart
/// the way the sign-on does, and every error must render as text.
pub fn auth_response(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(rest);
    let endpoint = match which % 3 {
        0 => Endpoint::ClientLogin,
        1 => Endpoint::GetChallenge,
        _ => Endpoint::StartOscarSession,
    };
    let http = HTTP[usize::from(which / 3) % HTTP.len()];
    let envelope = match parse_envelope(endpoint, http, &body) {
        Ok(envelope) => envelope,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let data = match envelope.into_success() {
        Ok(data) => data,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let result = match endpoint {
        Endpoint::ClientLogin => client_login_data(&data).map(|d| d.expires_in.to_string()),
        Endpoint::GetChallenge => challenge_data(&data).map(|d| d.tid),
        Endpoint::StartOscarSession => start_session_data(&data).map(|d| d.host),
    };
    if let Err(e) = result {
        let _ = e.to_string();
    }
    if let Some(s) = data.get("cookie").and_then(|v| v.as_str()) {
        let _ = decode_cookie(s);
    }
}
