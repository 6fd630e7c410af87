//! Alerts when a paired device stays offline: after [`Alerts::after`] without a
//! connection, a warning in the log, a flag on the device in `GET /api/devices` (the
//! admin shows it), and, when configured, a JSON `POST` to a webhook; when the device
//! is back, the same once more. Devices are watched from their first connection since
//! this server started.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::AppState;

/// When to alert, and where to.
#[derive(Debug, Clone)]
pub struct Alerts {
    /// A device offline this long is alerted. Default 2 minutes.
    pub after: Duration,
    /// Where to `POST` alerts, if anywhere.
    pub webhook: Option<Webhook>,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            after: Duration::from_secs(120),
            webhook: None,
        }
    }
}

/// A webhook: an `http://` URL on the hall's network (an alerting box, a chat bridge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook(Uri);

impl Webhook {
    /// Parses `url`: `http://HOST[:PORT]/PATH`. HTTPS is not spoken by the client yet:
    /// put a local relay in front for an outside service.
    pub fn parse(url: &str) -> Result<Webhook, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        match (uri.scheme_str(), uri.host()) {
            (Some("http"), Some(h)) if !h.is_empty() => Ok(Webhook(uri)),
            (Some("https"), _) => Err(format!(
                "{url:?}: https webhooks are not supported yet; give an http:// URL on the hall's network"
            )),
            _ => Err(format!("{url:?}: give an http:// URL, such as http://10.0.0.5:9000/ekran")),
        }
    }
}

/// How long the webhook may take to answer.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts watching the devices of `state` (on the current runtime). The task ends with
/// the server.
pub fn spawn(state: AppState) {
    let every = (state.alerts.after / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let client = Arc::new(client);
    let mut stopping = state.stopping.subscribe();
    tokio::spawn(async move {
        // Devices paired before this start count as offline since they were last seen
        // (or since now), until they connect.
        match crate::api::core(&state, |c| c.devices()).await {
            Ok(devices) => {
                let now = std::time::SystemTime::now();
                for d in devices {
                    let since = d
                        .last_seen_at
                        .and_then(|ms| u64::try_from(ms).ok())
                        .map(|ms| std::time::UNIX_EPOCH + Duration::from_millis(ms))
                        .filter(|t| *t <= now)
                        .unwrap_or(now);
                    state.device_links.seed_offline(d.id, since);
                }
            }
            Err(e) => tracing::warn!("alerts: cannot read the devices: {e}"),
        }
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopping.changed() => return,
            }
            let (offline, back) = state.device_links.take_alerts(state.alerts.after);
            if offline.is_empty() && back.is_empty() {
                continue;
            }
            let devices = match crate::api::core(&state, |c| c.devices()).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("alerts: cannot read the devices: {e}");
                    continue;
                }
            };
            let events = offline
                .iter()
                .map(|(id, since)| ("device_offline", *id, Some(*since)))
                .chain(back.iter().map(|id| ("device_online", *id, None)));
            for (event, id, since) in events {
                let Some(d) = devices.iter().find(|d| d.id == id) else {
                    continue; // revoked meanwhile
                };
                match event {
                    "device_offline" => tracing::warn!(
                        "{} {:?} (device {id}, screen {}) has been offline for over {} s",
                        d.role,
                        d.name,
                        d.screen,
                        state.alerts.after.as_secs()
                    ),
                    _ => tracing::info!(
                        "{} {:?} (device {id}, screen {}) is back online",
                        d.role,
                        d.name,
                        d.screen
                    ),
                }
                if let Some(hook) = &state.alerts.webhook {
                    let body = json!({
                        "event": event,
                        "device": {"id": d.id, "name": d.name, "role": d.role, "screen": d.screen},
                        "offline_since": since,
                        "address": d.address,
                    });
                    post(&client, hook, body.to_string()).await;
                }
            }
        }
    });
}

async fn post<C>(client: &Client<C, Full<Bytes>>, hook: &Webhook, body: String)
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let req = match hyper::Request::post(hook.0.clone())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "ekran")
        .body(Full::new(Bytes::from(body)))
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("alert webhook {}: {e}", hook.0);
            return;
        }
    };
    match tokio::time::timeout(WEBHOOK_TIMEOUT, client.request(req)).await {
        Ok(Ok(r)) if r.status().is_success() => {}
        Ok(Ok(r)) => tracing::warn!("alert webhook {} answered {}", hook.0, r.status()),
        Ok(Err(e)) => tracing::warn!("alert webhook {}: {e}", hook.0),
        Err(_) => tracing::warn!(
            "alert webhook {} did not answer within {} s",
            hook.0,
            WEBHOOK_TIMEOUT.as_secs()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_are_http_urls() {
        assert!(Webhook::parse("http://10.0.0.5:9000/ekran").is_ok());
        assert!(Webhook::parse("https://example.com/x")
            .unwrap_err()
            .contains("https"));
        assert!(Webhook::parse("10.0.0.5:9000").is_err());
        assert!(Webhook::parse("nonsense with spaces").is_err());
    }
}
