//! TLS for the tests: a certificate for 127.0.0.1 made at test time, the server's
//! configuration made of it, and a rustls client that trusts only it.

use std::net::SocketAddr;
use std::sync::Arc;

use ekran_server::Tls;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::GUARD;

/// A certificate for 127.0.0.1 and localhost, and the server configuration made of it.
pub fn certificate() -> (CertificateDer<'static>, Tls) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let tls = Tls::from_pem(
        made.cert.pem().as_bytes(),
        made.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    (made.cert.der().clone(), tls)
}

/// A client trusting only `cert`, offering HTTP/2 and HTTP/1.1 as browsers do.
pub fn connector(cert: CertificateDer<'static>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// A TLS connection to `addr`, its handshake done.
pub async fn tls_connect(c: &TlsConnector, addr: SocketAddr) -> TlsStream<TcpStream> {
    tls_over(c, addr, TcpStream::connect(addr).await.unwrap()).await
}

/// The TLS handshake over `tcp`, connected to `addr`.
pub async fn tls_over(c: &TlsConnector, addr: SocketAddr, tcp: TcpStream) -> TlsStream<TcpStream> {
    let name = ServerName::IpAddress(addr.ip().into());
    tokio::time::timeout(GUARD, c.connect(name, tcp))
        .await
        .expect("a handshake in time")
        .expect("the handshake succeeds")
}
