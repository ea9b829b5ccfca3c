//! The HTTP sign-on response parsers the client runs on what a server answers.

use crate::auth::response::{
    challenge_data, client_login_data, decode_cookie, decode_hex_cookie, oos_start_session_data,
    parse_envelope, start_session_data, web_session_data,
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
        Endpoint::StartSession => web_session_data(&data).map(|d| d.aimsid.redacted()),
    };
    if let Err(e) = result {
        let _ = e.to_string();
    }
    if let Some(s) = data.get("cookie").and_then(|v| v.as_str()) {
        let _ = decode_cookie(s);
    }
}

/// Open OSCAR Server's answers: byte 0 picks `startSession` or `startOSCARSession` and the HTTP
/// status, the rest is the body, parsed the way the OOS web-API flow does (aimsid, hex cookie).
pub fn oos_response(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(rest);
    let endpoint =
        if which % 2 == 0 { Endpoint::StartSession } else { Endpoint::StartOscarSession };
    let http = HTTP[usize::from(which / 2) % HTTP.len()];
    let _ = decode_hex_cookie(&body);
    let data = match parse_envelope(endpoint, http, &body).and_then(|e| e.into_success()) {
        Ok(data) => data,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let result = match endpoint {
        Endpoint::StartSession => web_session_data(&data).map(|d| d.aimsid.redacted()),
        _ => oos_start_session_data(&data).map(|d| d.host),
    };
    if let Err(e) = result {
        let _ = e.to_string();
    }
}
