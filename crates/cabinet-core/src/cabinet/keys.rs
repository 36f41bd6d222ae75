//! The user's signature certificates and where their keys live (.pfx
//! files, tokens, CryptoPro containers), the demo's own.

use super::*;
use cabinet_api::ErrorCode;

impl Cabinet {
    /// The user's certificates (works offline: it is the local list).
    pub async fn my_certificates(&self) -> Result<Vec<MyCertificate>, CoreError> {
        let now = chrono::Utc::now();
        self.with_store(|s| {
            s.certificates()?
                .into_iter()
                .map(|c| {
                    Ok(MyCertificate {
                        certificate: CertificateView::of(
                            &cabinet_sign::CertificateInfo::parse(&c.der)?,
                            now,
                        ),
                        source: c.source,
                        location: c.location,
                        key_id: c.key_id,
                    })
                })
                .collect()
        })
        .await
    }

    /// Remembers a certificate and where its key is (a .pfx path, or a
    /// token module with the key's id). Only public data is stored.
    pub async fn remember_certificate(
        &self,
        certificate: &cabinet_sign::CertificateInfo,
        source: KeyLocation,
    ) -> Result<MyCertificate, CoreError> {
        let (kind, location, key_id) = match source {
            KeyLocation::Pfx(path) => ("pfx", path, None),
            KeyLocation::Container(path) => ("container", path, None),
            KeyLocation::Token { module, key_id } => ("token", module, Some(key_id)),
        };
        let stored = StoredCertificate {
            sha256: certificate.sha256.clone(),
            der: certificate.der.clone(),
            source: kind.into(),
            location: location.clone(),
            key_id: key_id.clone(),
            added_at: now(),
        };
        self.with_store(|s| s.save_certificate(&stored)).await?;
        Ok(MyCertificate {
            certificate: CertificateView::of(certificate, chrono::Utc::now()),
            source: kind.into(),
            location,
            key_id,
        })
    }

    /// Checks the password by opening the .pfx, then remembers its
    /// certificate; the key is dropped at once.
    pub async fn add_pfx_certificate(
        &self,
        path: &str,
        password: &str,
    ) -> Result<MyCertificate, CoreError> {
        let key = crate::certificates::open_pfx(std::path::Path::new(path), password)?;
        self.remember_certificate(key.certificate(), KeyLocation::Pfx(path.to_owned()))
            .await
    }

    /// Remembers the certificate a CryptoPro container holds; its PIN is
    /// asked when it signs.
    pub async fn add_container_certificate(&self, path: &str) -> Result<MyCertificate, CoreError> {
        let summary = cabinet_sign::container::summary(std::path::Path::new(path))?;
        let certificate = summary
            .certificate
            .ok_or(cabinet_sign::SignError::ContainerNoCertificate)?;
        self.remember_certificate(&certificate, KeyLocation::Container(path.to_owned()))
            .await
    }

    pub async fn forget_certificate(&self, sha256: &str) -> Result<(), CoreError> {
        if self.with_store(|s| s.remove_certificate(sha256)).await? {
            Ok(())
        } else {
            Err(CoreError::Invalid(ErrorCode::InputCertificate))
        }
    }

    /// The demo portal's .pfx files, saved under the data directory so the
    /// login screen can offer them; `None` when the portal is not a demo.
    pub async fn demo_certificates(&self) -> Result<Option<Vec<DemoCertificateFile>>, CoreError> {
        let Some(info) = self.backend.demo_info().await? else {
            return Ok(None);
        };
        let dir = self.data_dir.join("demo-certificates");
        std::fs::create_dir_all(&dir).map_err(|e| CoreError::File {
            code: ErrorCode::FileWrite,
            detail: format!("{}: {e}", dir.display()),
        })?;
        let mut out = Vec::new();
        for c in info.certificates {
            let bytes = self.backend.demo_certificate(&c.file_name).await?;
            let path = dir.join(&c.file_name);
            std::fs::write(&path, &bytes).map_err(|e| CoreError::File {
                code: ErrorCode::FileWrite,
                detail: format!("{}: {e}", path.display()),
            })?;
            if c.file_name == "director.pfx" {
                demo_container(&dir, &bytes, &c.password);
            }
            out.push(DemoCertificateFile {
                path: path.display().to_string(),
                password: c.password,
                holder: c.holder,
                description: c.description,
                expired: c.expired,
            });
        }
        Ok(Some(out))
    }

    /// The CryptoPro containers in the usual places and in `chosen`.
    pub async fn key_containers(
        &self,
        chosen: Option<String>,
    ) -> Result<crate::certificates::ContainerListing, CoreError> {
        let roots = crate::certificates::container_roots(&self.data_dir, chosen.as_deref());
        tokio::task::spawn_blocking(move || crate::certificates::container_listing(&roots))
            .await
            .map_err(|e| CoreError::Config(format!("worker: {e}")))
    }
}

/// Where the key of a remembered certificate lives.
#[derive(Debug, Clone)]
pub enum KeyLocation {
    Pfx(String),
    /// A CryptoPro container's folder.
    Container(String),
    Token {
        module: String,
        key_id: String,
    },
}

/// The demo director's key as a CryptoPro container too (`director.000`,
/// the .pfx password as its PIN), so the demo shows a container beside the
/// .pfx files. Made once; a failure only means the demo has no container.
fn demo_container(dir: &std::path::Path, pfx: &[u8], password: &str) {
    let target = dir.join("director.000");
    let made = cabinet_sign::PfxIdentity::open(pfx, password)
        .map_err(|e| e.to_string())
        .and_then(|id| {
            let current = cabinet_sign::container::summary(&target)
                .ok()
                .and_then(|s| s.certificate)
                .is_some_and(|c| c.sha256 == id.certificate().sha256);
            if current {
                return Ok(());
            }
            // A new demo PKI (a fresh portal database): a new container.
            let _ = std::fs::remove_dir_all(&target);
            let key = id.to_gost_key().ok_or("not a GOST key")?;
            cabinet_sign::container::write(
                &target,
                &cabinet_sign::container::NewContainer {
                    name: "director",
                    key: &key,
                    certificate: Some(&id.certificate().der),
                    pin: password,
                },
            )
            .map_err(|e| e.to_string())
        });
    if let Err(e) = made {
        tracing::warn!(error = %e, "demo container not made");
        let _ = std::fs::remove_dir_all(&target);
    }
}
