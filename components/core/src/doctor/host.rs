//! This machine: free disk space under the data directory, the addresses the hall page
//! will show tablets, and whether `ekran serve` could listen on its port.

use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;

use super::{bytes, some_of, Finding, Report, Severity};

/// Below this much free space changes start failing.
const DISK_ERROR: u64 = 100 * 1024 * 1024;
/// Below this much (or [`DISK_WARN_PERCENT`]) free space a large import may fail.
const DISK_WARN: u64 = 1024 * 1024 * 1024;
const DISK_WARN_PERCENT: u64 = 5;

/// Free space on the data directory's file system.
#[cfg(unix)]
pub(crate) fn disk(dir: &Path, out: &mut Report) {
    const AREA: &str = "disk";
    let st = match rustix::fs::statvfs(dir) {
        Ok(s) => s,
        Err(e) => {
            out.push(
                Finding::new(
                    Severity::Warning,
                    "disk_unknown",
                    AREA,
                    format!("free space unknown: {e}"),
                )
                .at(dir),
            );
            return;
        }
    };
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let total = st.f_blocks.saturating_mul(st.f_frsize);
    let percent = free.saturating_mul(100).checked_div(total).unwrap_or(100);
    let what = format!(
        "{} free of {} ({percent}%) on the data directory's file system",
        bytes(free),
        bytes(total)
    );
    let finding = if free < DISK_ERROR {
        Finding::new(Severity::Error, "disk_full", AREA, what).hint(
            "free space now: changes, imports and saving screen positions fail on a full disk",
        )
    } else if free < DISK_WARN || percent < DISK_WARN_PERCENT {
        Finding::new(Severity::Warning, "disk_low", AREA, what)
            .hint("free some space (old backups, logs: `journalctl --vacuum-size=200M`) before the next import")
    } else {
        Finding::new(Severity::Ok, "disk", AREA, what)
    };
    out.push(finding.at(dir));
}

#[cfg(not(unix))]
pub(crate) fn disk(_dir: &Path, _out: &mut Report) {}

/// One address of one of this machine's network interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The interface's name (`eth0`, `wlan0`).
    pub name: String,
    pub ip: IpAddr,
}

/// The addresses of the interfaces that are up (running, with a carrier).
fn interfaces() -> std::io::Result<Vec<Interface>> {
    Ok(if_addrs::get_if_addrs()?
        .into_iter()
        .filter(|i| i.is_oper_up())
        .map(|i| Interface {
            ip: i.ip(),
            name: i.name,
        })
        .collect())
}

/// The network checks for `ekran serve --bind BIND`; `serving`: one runs on this data
/// directory (so its port is taken by it).
pub(crate) fn network(bind: &str, serving: bool, out: &mut Report) {
    const AREA: &str = "network";
    let addr = bind
        .parse::<SocketAddr>()
        .ok()
        .or_else(|| bind.to_socket_addrs().ok().and_then(|mut a| a.next()));
    let Some(addr) = addr else {
        out.push(
            Finding::new(
                Severity::Error,
                "bind_invalid",
                AREA,
                format!("--bind {bind:?} is not an address and port"),
            )
            .hint("give ADDRESS:PORT, such as 0.0.0.0:8080 or [::]:8080"),
        );
        return;
    };
    match interfaces() {
        Ok(list) => out.findings.extend(hall_addresses(addr, &list)),
        Err(e) => out.push(Finding::new(
            Severity::Warning,
            "network_unknown",
            AREA,
            format!("cannot list this machine's network addresses: {e}"),
        )),
    }
    if !serving && addr.port() != 0 {
        port_free(addr, out);
    }
}

/// What the hall page will show tablets for a server bound to `bind` on a machine with
/// `interfaces`: the links (ok), or why tablets cannot reach it (warnings, errors).
pub fn hall_addresses(bind: SocketAddr, interfaces: &[Interface]) -> Vec<Finding> {
    const AREA: &str = "network";
    let port = bind.port();
    let ip = bind.ip();
    if ip.is_loopback() {
        return vec![Finding::new(
            Severity::Warning,
            "bind_loopback",
            AREA,
            format!("`ekran serve --bind {bind}` listens on this machine only: tablets and displays elsewhere cannot reach it"),
        )
        .hint(format!("bind 0.0.0.0:{port}, or this machine's LAN address"))];
    }
    let Some((usable, link_local)) = reachable(bind, interfaces) else {
        return vec![Finding::new(
            Severity::Error,
            "bind_unknown",
            AREA,
            format!("no network interface of this machine has the address {ip}: `ekran serve --bind {bind}` cannot listen"),
        )
        .hint(format!("bind 0.0.0.0:{port}, or one of the addresses `ip addr` shows"))];
    };
    let show = |list: &[&Interface]| -> Vec<String> {
        list.iter()
            .map(|i| format!("{} ({})", url(i.ip, port), i.name))
            .collect()
    };
    let mut out = Vec::new();
    if !usable.is_empty() {
        let mut msg = format!(
            "tablets can reach the hall at {}",
            some_of(&show(&usable), 8)
        );
        if !link_local.is_empty() {
            msg.push_str(&format!(
                "; {} link-local address(es) left out",
                link_local.len()
            ));
        }
        out.push(Finding::new(Severity::Ok, "network_addresses", AREA, msg));
    } else if !link_local.is_empty() {
        out.push(
            Finding::new(
                Severity::Warning,
                "network_link_local",
                AREA,
                format!(
                    "only link-local addresses: {}; no DHCP server or fixed address gave this machine a LAN address, and tablets may not reach it",
                    some_of(&show(&link_local), 8)
                ),
            )
            .hint("check the cable or Wi-Fi and the router's DHCP, or give the machine a fixed address"),
        );
    } else {
        out.push(
            Finding::new(
                Severity::Warning,
                "network_none",
                AREA,
                "no network address besides loopback: tablets and displays cannot reach the hall",
            )
            .hint("connect the machine to the hall's network (`ip addr` shows its addresses)"),
        );
    }
    out
}

/// The non-loopback interfaces a server bound to `bind` listens on, as (usable,
/// link-local); `None` when `bind` names an address no interface has.
fn reachable(
    bind: SocketAddr,
    interfaces: &[Interface],
) -> Option<(Vec<&Interface>, Vec<&Interface>)> {
    let ip = bind.ip();
    let others: Vec<&Interface> = interfaces.iter().filter(|i| !i.ip.is_loopback()).collect();
    let reachable: Vec<&Interface> = if ip.is_unspecified() {
        // 0.0.0.0 takes IPv4 only; [::] takes IPv6 and (dual-stack, Linux's default)
        // IPv4 too.
        others
            .into_iter()
            .filter(|i| ip.is_ipv6() || i.ip.is_ipv4())
            .collect()
    } else {
        let own: Vec<&Interface> = others.into_iter().filter(|i| i.ip == ip).collect();
        if own.is_empty() {
            return None;
        }
        own
    };
    Some(reachable.into_iter().partition(|i| !is_link_local(i.ip)))
}

/// The addresses devices can reach a server bound to `bind` at, as
/// `http://HOST:PORT` (no trailing slash), IPv4 first: this machine's usable
/// (non-loopback, non-link-local) interface addresses; for a loopback `bind`, that
/// address itself. Empty when there is none or they cannot be listed.
pub fn public_urls(bind: SocketAddr) -> Vec<String> {
    if bind.ip().is_loopback() {
        return vec![url(bind.ip(), bind.port()).trim_end_matches('/').to_owned()];
    }
    let list = interfaces().unwrap_or_default();
    let Some((mut usable, _)) = reachable(bind, &list) else {
        return Vec::new();
    };
    usable.sort_by_key(|i| (i.ip.is_ipv6(), i.ip));
    usable.dedup_by_key(|i| i.ip);
    usable
        .iter()
        .map(|i| url(i.ip, bind.port()).trim_end_matches('/').to_owned())
        .collect()
}

/// 169.254.0.0/16 and fe80::/10.
fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// `http://192.168.1.10:8080/`, `http://[2001:db8::1]:8080/`.
fn url(ip: IpAddr, port: u16) -> String {
    format!("http://{}/", SocketAddr::new(ip, port))
}

/// Whether `ekran serve` could listen on `addr` now (a socket opened and closed).
fn port_free(addr: SocketAddr, out: &mut Report) {
    const AREA: &str = "network";
    match TcpListener::bind(addr) {
        Ok(_) => out.push(Finding::new(
            Severity::Ok,
            "port_free",
            AREA,
            format!("{addr} is free for `ekran serve`"),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => out.push(
            Finding::new(
                Severity::Warning,
                "port_in_use",
                AREA,
                format!("{addr} is taken by another program: `ekran serve` cannot listen there"),
            )
            .hint(format!(
                "find it with `ss -ltnp 'sport = :{}'`, stop it, or choose another --bind",
                addr.port()
            )),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => out.push(
            Finding::new(
                Severity::Warning,
                "port_denied",
                AREA,
                format!("this user may not listen on {addr}: {e}"),
            )
            .hint("ports below 1024 need root or CAP_NET_BIND_SERVICE (AmbientCapabilities= in the systemd unit); 8080 needs neither"),
        ),
        Err(e) => out.push(Finding::new(
            Severity::Warning,
            "port_unusable",
            AREA,
            format!("cannot listen on {addr}: {e}"),
        )),
    }
}
