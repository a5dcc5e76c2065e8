//! RSA signing keys: loading, generation, persistence, the JWKS, and rotation with a grace
//! period.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::EmulatorError;
use crate::core::locks::{read, write};

pub(crate) const DEFAULT_KEY_BITS: usize = 2048;

/// One RSA key, parsed once into everything the emulator serves or signs with.
pub(crate) struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub public_pem: String,
    private_pem: String,
    n: String,
    e: String,
}

impl SigningKey {
    /// Accepts PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, EmulatorError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| EmulatorError::Key(format!("not an RSA private key in PEM: {e}")))?;
        Self::from_rsa(&key)
    }

    /// Blocking: call it from `spawn_blocking`.
    pub(crate) fn generate(bits: usize) -> Result<Self, EmulatorError> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits)
            .map_err(|e| EmulatorError::Key(format!("generating a {bits}-bit key: {e}")))?;
        Self::from_rsa(&key)
    }

    fn from_rsa(key: &RsaPrivateKey) -> Result<Self, EmulatorError> {
        let bits = key.size() * 8;
        if bits < 2048 {
            // ring refuses to sign with smaller keys; say so up front.
            return Err(EmulatorError::Key(format!(
                "the key has {bits} bits; RS256 signing needs at least 2048"
            )));
        }
        let pkcs1 = key
            .to_pkcs1_der()
            .map_err(|e| EmulatorError::Key(format!("encoding the key: {e}")))?;
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| EmulatorError::Key(format!("encoding the key: {e}")))?
            .to_string();
        let public = key.to_public_key();
        let public_der = public
            .to_public_key_der()
            .map_err(|e| EmulatorError::Key(format!("encoding the public key: {e}")))?;
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| EmulatorError::Key(format!("encoding the public key: {e}")))?;
        // Derived from the public key so that a persisted key keeps its kid across restarts
        // and verifiers' cached JWKS stay valid.
        let digest = Sha256::digest(public_der.as_bytes());
        let kid = format!("ins_{}", URL_SAFE_NO_PAD.encode(&digest[..18]));
        Ok(Self {
            kid,
            encoding: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            public_pem,
            private_pem,
            n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    pub(crate) fn jwk(&self) -> Value {
        json!({
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": self.n,
            "e": self.e,
        })
    }
}

/// Reads the key file, or generates a key and writes it there. Blocking.
pub(crate) fn load_or_generate(
    path: Option<&Path>,
    bits: usize,
) -> Result<SigningKey, EmulatorError> {
    let Some(path) = path else {
        return SigningKey::generate(bits);
    };
    match std::fs::read_to_string(path) {
        Ok(pem) => SigningKey::from_pem(&pem)
            .map_err(|e| EmulatorError::Key(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::generate(bits)?;
            write_private_key(path, &key)?;
            tracing::info!(path = %path.display(), kid = %key.kid, "generated a new signing key");
            Ok(key)
        }
        Err(e) => Err(EmulatorError::Key(format!(
            "reading {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the private key readable by its owner only. Blocking.
pub(crate) fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), EmulatorError> {
    let fail = |e: std::io::Error| EmulatorError::Key(format!("writing {}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path).map_err(fail)?;
        // `mode` only applies to new files; an existing one may have been wider.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
        write_all(file, key.private_pem.as_bytes()).map_err(fail)
    }
    #[cfg(not(unix))]
    {
        let file = options.open(path).map_err(fail)?;
        write_all(file, key.private_pem.as_bytes()).map_err(fail)
    }
}

fn write_all(mut file: std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The current key plus retired keys that stay published until their grace period ends, so
/// tokens signed just before a rotation still verify.
pub(crate) struct KeyRing {
    ring: RwLock<Ring>,
}

struct Ring {
    current: Arc<SigningKey>,
    retired: Vec<(Arc<SigningKey>, Instant)>,
}

/// What a rotation did.
pub(crate) struct Rotation {
    pub kid: String,
    pub previous_kid: String,
    pub previous_published_until: Instant,
}

impl KeyRing {
    pub(crate) fn new(key: SigningKey) -> Self {
        Self {
            ring: RwLock::new(Ring {
                current: Arc::new(key),
                retired: Vec::new(),
            }),
        }
    }

    pub(crate) fn current(&self) -> Arc<SigningKey> {
        Arc::clone(&read(&self.ring).current)
    }

    /// The published keys: current first, then retired keys still in their grace period.
    pub(crate) fn published(&self) -> Vec<(Arc<SigningKey>, Option<Instant>)> {
        let now = Instant::now();
        let mut ring = write(&self.ring);
        ring.retired.retain(|(_, until)| *until > now);
        std::iter::once((Arc::clone(&ring.current), None))
            .chain(
                ring.retired
                    .iter()
                    .map(|(key, until)| (Arc::clone(key), Some(*until))),
            )
            .collect()
    }

    pub(crate) fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.published().iter().map(|(k, _)| k.jwk()).collect();
        json!({ "keys": keys })
    }

    pub(crate) fn rotate(&self, next: SigningKey, grace: Duration) -> Rotation {
        let until = Instant::now() + grace;
        let next = Arc::new(next);
        let mut ring = write(&self.ring);
        let previous = std::mem::replace(&mut ring.current, Arc::clone(&next));
        // Rotating back to a retired key makes it current again rather than listed twice.
        ring.retired.retain(|(k, _)| k.kid != next.kid);
        let previous_kid = previous.kid.clone();
        if previous.kid != next.kid && !grace.is_zero() {
            ring.retired.push((previous, until));
        }
        Rotation {
            kid: next.kid.clone(),
            previous_kid,
            previous_published_until: until,
        }
    }
}
