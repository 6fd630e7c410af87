//! Who may open another connection: a cap per client address and one in total, counted
//! from accept until the socket closes (a WebSocket counts for as long as it is open).
//! A refused client is told so and logged at most once a minute per address, with a
//! summary of what was refused meanwhile.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// A client as the caps count it: its address (an IPv4-mapped IPv6 address as IPv4).
/// Not an IPv6 client's /64, as internet-facing limits do: on a hall's LAN every
/// device shares the one /64, which would then share one budget; the total cap bounds
/// a device that takes many addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Client(IpAddr);

impl Client {
    pub(crate) fn of(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(_) => Client(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client(IpAddr::V4(v4)),
                None => Client(IpAddr::V6(v6)),
            },
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "{a}"),
            IpAddr::V6(a) => write!(f, "{a}"),
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The client already had `open` connections, the cap per address.
    Address { client: Client, open: usize },
    /// The server already had `open` connections, the cap in total.
    Total { client: Client, open: usize },
}

impl Refused {
    /// The `reason` label of `ekran_refusals_total`.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Refused::Address { .. } => "connections_per_address",
            Refused::Total { .. } => "connections_total",
        }
    }

    fn client(&self) -> Client {
        match *self {
            Refused::Address { client, .. } | Refused::Total { client, .. } => client,
        }
    }

    /// The body of the 503 the client gets.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            Refused::Address { .. } => {
                "ekran: too many connections from your address; try again later\n"
            }
            Refused::Total { .. } => {
                "ekran: the server has too many connections; try again later\n"
            }
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Address { client, open } => write!(
                f,
                "refused a connection from {client}: it has {open} open, the most one address may have (--max-connections-per-address)"
            ),
            Refused::Total { client, open } => write!(
                f,
                "refused a connection from {client}: the server has {open} open, the most it takes (--max-connections)"
            ),
        }
    }
}

/// Counts open connections and admits new ones under the caps.
#[derive(Debug)]
pub(crate) struct Gate {
    per_address: usize,
    total: usize,
    open: Mutex<Open>,
    emptied: Notify,
    gauge: prometheus::IntGauge,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<Client, usize>,
}

impl Gate {
    /// A gate for at most `per_address` connections per client and `total` in all;
    /// `gauge` follows the number open.
    pub(crate) fn new(per_address: usize, total: usize, gauge: prometheus::IntGauge) -> Arc<Gate> {
        Arc::new(Gate {
            per_address,
            total,
            open: Mutex::default(),
            emptied: Notify::new(),
            gauge,
        })
    }

    /// A permit for one more connection from `ip`, or why not.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Permit, Refused> {
        let client = Client::of(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.total {
            return Err(Refused::Total {
                client,
                open: open.total,
            });
        }
        let mine = open.by_client.entry(client).or_default();
        if *mine >= self.per_address {
            return Err(Refused::Address {
                client,
                open: *mine,
            });
        }
        *mine += 1;
        open.total += 1;
        self.gauge.set(open.total as i64);
        Ok(Permit {
            gate: self.clone(),
            client,
        })
    }

    /// Connections open now.
    pub(crate) fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }

    /// Completes when no connection is open.
    pub(crate) async fn until_empty(&self) {
        loop {
            let emptied = self.emptied.notified();
            tokio::pin!(emptied);
            emptied.as_mut().enable();
            if self.open() == 0 {
                return;
            }
            emptied.await;
        }
    }
}

/// One admitted connection; counted until dropped (with the socket it travels with).
#[derive(Debug)]
pub(crate) struct Permit {
    gate: Arc<Gate>,
    client: Client,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.gate.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.by_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&self.client);
            }
        }
        open.total = open.total.saturating_sub(1);
        self.gate.gauge.set(open.total as i64);
        if open.total == 0 {
            self.gate.emptied.notify_waiters();
        }
    }
}

/// How often a refused address is named in the log, at most.
pub(crate) const LOG_EVERY: Duration = Duration::from_secs(60);
/// Addresses remembered for the log's summary; past this, the oldest are forgotten.
const LOG_CLIENTS: usize = 256;

/// Keeps the log readable under a flood: the first refusal of an address is logged,
/// then at most one line a minute says how many more there were.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog {
    clients: HashMap<Client, Noted>,
}

#[derive(Debug)]
struct Noted {
    logged: Instant,
    since: usize,
    last: Refused,
}

impl RefusalLog {
    /// Notes `r`; returns the line to log now, if any.
    pub(crate) fn note(&mut self, r: Refused, now: Instant) -> Option<String> {
        let client = r.client();
        if let Some(n) = self.clients.get_mut(&client) {
            n.last = r;
            if now.duration_since(n.logged) < LOG_EVERY {
                n.since += 1;
                return None;
            }
            let line = summary(n.since + 1, &r);
            n.logged = now;
            n.since = 0;
            return Some(line);
        }
        if self.clients.len() >= LOG_CLIENTS {
            if let Some(oldest) = self
                .clients
                .iter()
                .min_by_key(|(_, n)| n.logged)
                .map(|(c, _)| *c)
            {
                self.clients.remove(&oldest);
            }
        }
        self.clients.insert(
            client,
            Noted {
                logged: now,
                since: 0,
                last: r,
            },
        );
        Some(r.to_string())
    }

    /// Lines for the refusals not logged yet, and forgets addresses quiet for a minute.
    pub(crate) fn flush(&mut self, now: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        self.clients.retain(|_, n| {
            if n.since > 0 {
                lines.push(summary(n.since, &n.last));
                n.since = 0;
                n.logged = now;
                true
            } else {
                now.duration_since(n.logged) < LOG_EVERY
            }
        });
        lines
    }
}

fn summary(count: usize, last: &Refused) -> String {
    format!("{count} connection(s) refused in the last minute; latest: {last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(per: usize, total: usize) -> Arc<Gate> {
        Gate::new(per, total, prometheus::IntGauge::new("t", "t").unwrap())
    }

    #[test]
    fn caps_per_address_and_in_total_and_frees_on_drop() {
        let g = gate(2, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let p1 = g.admit(a).unwrap();
        let _p2 = g.admit(a).unwrap();
        assert_eq!(g.admit(a).unwrap_err().reason(), "connections_per_address");
        let _p3 = g.admit(b).unwrap();
        assert_eq!(g.admit(b).unwrap_err().reason(), "connections_total");
        drop(p1);
        assert_eq!(g.open(), 2);
        g.admit(a).unwrap();
    }

    #[test]
    fn clients_count_by_their_address_and_mapped_v4_as_v4() {
        // Two devices of one LAN /64 are two clients.
        let a = Client::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Client::of("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.to_string(), "2001:db8:1:2:aaaa::1");
        let v4 = Client::of("::ffff:127.0.0.1".parse().unwrap());
        assert_eq!(v4, Client::of("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn the_log_names_an_address_once_a_minute_and_sums_up_the_rest() {
        let mut log = RefusalLog::default();
        let t = Instant::now();
        let r = Refused::Address {
            client: Client::of("10.0.0.9".parse().unwrap()),
            open: 64,
        };
        let first = log.note(r, t).unwrap();
        assert!(
            first.contains("10.0.0.9") && first.contains("64"),
            "{first}"
        );
        for _ in 0..999 {
            assert!(log.note(r, t).is_none());
        }
        let lines = log.flush(t + LOG_EVERY);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("999 connection(s) refused"),
            "{lines:?}"
        );
        assert!(log.flush(t + 2 * LOG_EVERY).is_empty());
    }
}
