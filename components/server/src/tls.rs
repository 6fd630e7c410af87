//! HTTPS: the certificate and private key that `serve --tls-cert/--tls-key` name, read
//! and checked before the server writes anything, as the rustls configuration the accept
//! loop (`listen.rs`) hands each connection to. rustls runs on the `ring` provider, with
//! TLS 1.2 and 1.3, and offers only `http/1.1` by ALPN (see `listen.rs` for why).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate chain and its key, ready to serve ([`crate::AppState::tls`]).
#[derive(Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls { .. }")
    }
}

/// Why a certificate or key cannot be served; the message names the file and says what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

impl Tls {
    /// Reads the PEM certificate chain in `cert` (the server's certificate first) and
    /// the PEM private key in `key` (PKCS#8, PKCS#1 RSA or SEC1 EC, not encrypted).
    /// Blocking: call it before the runtime starts or on a blocking thread.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| TlsError(format!("{}: cannot read it: {e}", p.display())))
        };
        let (cert_pem, key_pem) = (read(cert)?, read(key)?);
        Tls::from_pem_named(
            &cert_pem,
            &key_pem,
            &cert.display().to_string(),
            &key.display().to_string(),
        )
    }

    /// [`Tls::from_pem_files`] from the files' contents.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Tls, TlsError> {
        Tls::from_pem_named(cert_pem, key_pem, "the certificate", "the key")
    }

    fn from_pem_named(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_name: &str,
        key_name: &str,
    ) -> Result<Tls, TlsError> {
        let certs = certificates(cert_pem, cert_name)?;
        let key = private_key(key_pem, key_name)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("TLS set-up: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| match e {
                rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                    TlsError(format!(
                        "{key_name}: this private key does not belong to the certificate in {cert_name}"
                    ))
                }
                e => TlsError(format!("{cert_name}, {key_name}: cannot serve them: {e}")),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            config: Arc::new(config),
        })
    }

    /// The acceptor each connection's handshake goes through.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}

/// The certificates of a PEM file, at least one.
fn certificates(pem: &[u8], name: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(name, e))?;
    if certs.is_empty() {
        let hint = if PrivateKeyDer::from_pem_slice(pem).is_ok() {
            " (it holds a private key: are --tls-cert and --tls-key swapped?)"
        } else {
            ""
        };
        return Err(TlsError(format!(
            "{name}: no certificate in it; expected a PEM file with -----BEGIN CERTIFICATE-----{hint}"
        )));
    }
    Ok(certs)
}

/// The first private key of a PEM file.
fn private_key(pem: &[u8], name: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        pem::Error::NoItemsFound => {
            let hint = if String::from_utf8_lossy(pem).contains("ENCRYPTED PRIVATE KEY") {
                " (it is encrypted: write it unencrypted with `openssl pkey -in KEY -out KEY.plain`)"
            } else if CertificateDer::pem_slice_iter(pem).next().is_some() {
                " (it holds a certificate: are --tls-cert and --tls-key swapped?)"
            } else {
                ""
            };
            TlsError(format!(
                "{name}: no private key in it; expected a PEM file with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY){hint}"
            ))
        }
        e => not_pem(name, e),
    })
}

fn not_pem(name: &str, e: pem::Error) -> TlsError {
    TlsError(format!("{name}: not a valid PEM file: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_cannot_be_served_are_named_and_explained() {
        let a = rcgen::generate_simple_self_signed(vec!["hall".into()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["hall".into()]).unwrap();
        let (cert, key) = (a.cert.pem(), a.signing_key.serialize_pem());
        assert!(Tls::from_pem(cert.as_bytes(), key.as_bytes()).is_ok());

        let err = |c: &str, k: &str| Tls::from_pem(c.as_bytes(), k.as_bytes()).unwrap_err().0;
        let e = err("hello", &key);
        assert!(e.starts_with("the certificate: no certificate"), "{e}");
        let e = err(&key, &cert);
        assert!(e.contains("swapped"), "{e}");
        let e = err(&cert, "");
        assert!(e.starts_with("the key: no private key"), "{e}");
        let e = err(&cert, &b.signing_key.serialize_pem());
        assert!(e.contains("does not belong to the certificate"), "{e}");
        let e = err(
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            &key,
        );
        assert!(
            e.starts_with("the certificate: not a valid PEM file"),
            "{e}"
        );
    }
}
