//! What the gateway trusts and presents when it calls `https://` subgraphs:
//! the public (Mozilla) roots plus a private CA, and a client certificate
//! for subgraphs that require one (mutual TLS outside a service mesh).

use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// What the gateway trusts and presents when it calls `https://` subgraphs.
#[derive(Debug, Default)]
pub struct TlsSettings {
    /// Trusted besides the public (Mozilla) roots, e.g. a private CA.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Certificate chain and key presented to subgraphs that ask for one.
    pub client_identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
}

impl TlsSettings {
    /// Reads the files named by the configuration.
    pub fn from_config(config: &crate::Config) -> Result<Self, Error> {
        let extra_roots = match &config.subgraph_ca_file {
            Some(path) => read_pem_certificates("subgraph_ca_file", path)?,
            None => Vec::new(),
        };
        let client_identity = match (
            &config.subgraph_client_cert_file,
            &config.subgraph_client_key_file,
        ) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some((
                read_pem_certificates("subgraph_client_cert_file", cert)?,
                read_pem_key("subgraph_client_key_file", key)?,
            )),
            _ => {
                return Err(Error::Config(
                    "subgraph_client_cert_file and subgraph_client_key_file go together".into(),
                ))
            }
        };
        Ok(Self {
            extra_roots,
            client_identity,
        })
    }
}

/// TLS to subgraphs: the public (Mozilla) roots plus the extra ones, and
/// the client identity when there is one.
pub(super) fn tls_config(tls: &TlsSettings) -> Result<rustls::ClientConfig, Error> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in &tls.extra_roots {
        roots
            .add(cert.clone())
            .map_err(|e| Error::Config(format!("subgraph_ca_file: {e}")))?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots);
    match &tls.client_identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(|e| Error::Config(format!("subgraph_client_cert_file: {e}"))),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// Reads the certificates of a PEM file (the configuration key `what`).
pub fn read_pem_certificates(
    what: &str,
    path: &std::path::Path,
) -> Result<Vec<CertificateDer<'static>>, Error> {
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::Config(format!("{what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{what} {}: no certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// Reads the first private key of a PEM file (the configuration key `what`).
fn read_pem_key(what: &str, path: &std::path::Path) -> Result<PrivateKeyDer<'static>, Error> {
    use rustls::pki_types::pem::PemObject;
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| Error::Config(format!("{what} {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_without_its_key_is_a_configuration_error() {
        for config in [
            crate::Config {
                subgraph_client_cert_file: Some("gateway.pem".into()),
                ..Default::default()
            },
            crate::Config {
                subgraph_client_key_file: Some("gateway-key.pem".into()),
                ..Default::default()
            },
        ] {
            let err = TlsSettings::from_config(&config).unwrap_err();
            assert!(err.to_string().contains("go together"), "{err}");
        }
    }

    #[test]
    fn a_missing_client_key_file_is_named_in_the_error() {
        let config = crate::Config {
            subgraph_client_cert_file: Some("/nonexistent/gateway.pem".into()),
            subgraph_client_key_file: Some("/nonexistent/gateway-key.pem".into()),
            ..Default::default()
        };
        let err = TlsSettings::from_config(&config).unwrap_err();
        assert!(
            err.to_string().contains("subgraph_client_cert_file"),
            "{err}"
        );
    }
}
