//! The cipher-suite table, as data.
//!
//! Source: IANA "Transport Layer Security (TLS) Parameters", registry "TLS Cipher Suites"
//! (<https://www.iana.org/assignments/tls-parameters/tls-parameters.xhtml#tls-parameters-4>), with the
//! algorithms read from each suite's name as defined by RFC 5246 appendix C, RFC 2712 (Kerberos), RFC 4132
//! and RFC 5932 (Camellia), RFC 4162 (SEED), RFC 4492, RFC 5054 (SRP), RFC 5288, RFC 5289, RFC 5469 (DES,
//! IDEA), RFC 5487, RFC 5489, RFC 6209 (ARIA), RFC 6367 (Camellia GCM), RFC 6655, RFC 7905, RFC 8442 and
//! RFC 8446 (the `_SHA384` suites use SHA-384 as the TLS 1.2 PRF hash, every other suite SHA-256).
//! Signalling values (SCSVs) are not suites and are absent; so are the GOST suites (0xC100-0xC106),
//! which peel cannot decrypt and reports by number.

/// How the pre-master secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum KeyExchange {
    Null,
    Rsa,
    RsaExport,
    DhDss,
    DhRsa,
    DheDss,
    DheRsa,
    DhAnon,
    EcdhEcdsa,
    EcdhRsa,
    EcdheEcdsa,
    EcdheRsa,
    EcdhAnon,
    Psk,
    DhePsk,
    RsaPsk,
    EcdhePsk,
    /// Kerberos (RFC 2712).
    Krb5,
    /// Kerberos, export strength (RFC 2712).
    Krb5Export,
    /// SRP (RFC 5054).
    SrpSha,
    /// SRP with an RSA-signed server key exchange (RFC 5054).
    SrpShaRsa,
    /// SRP with a DSS-signed server key exchange (RFC 5054).
    SrpShaDss,
    /// TLS 1.3 suites: the key exchange is negotiated separately.
    Tls13,
}

impl KeyExchange {
    /// The name as it appears inside suite names (`ECDHE_RSA`).
    pub fn name(self) -> &'static str {
        match self {
            KeyExchange::Null => "NULL",
            KeyExchange::Rsa => "RSA",
            KeyExchange::RsaExport => "RSA_EXPORT",
            KeyExchange::DhDss => "DH_DSS",
            KeyExchange::DhRsa => "DH_RSA",
            KeyExchange::DheDss => "DHE_DSS",
            KeyExchange::DheRsa => "DHE_RSA",
            KeyExchange::DhAnon => "DH_anon",
            KeyExchange::EcdhEcdsa => "ECDH_ECDSA",
            KeyExchange::EcdhRsa => "ECDH_RSA",
            KeyExchange::EcdheEcdsa => "ECDHE_ECDSA",
            KeyExchange::EcdheRsa => "ECDHE_RSA",
            KeyExchange::EcdhAnon => "ECDH_anon",
            KeyExchange::Psk => "PSK",
            KeyExchange::DhePsk => "DHE_PSK",
            KeyExchange::RsaPsk => "RSA_PSK",
            KeyExchange::EcdhePsk => "ECDHE_PSK",
            KeyExchange::Krb5 => "KRB5",
            KeyExchange::Krb5Export => "KRB5_EXPORT",
            KeyExchange::SrpSha => "SRP_SHA",
            KeyExchange::SrpShaRsa => "SRP_SHA_RSA",
            KeyExchange::SrpShaDss => "SRP_SHA_DSS",
            KeyExchange::Tls13 => "TLS 1.3 (EC)DHE/PSK",
        }
    }

    /// True if the server's RSA private key alone yields the pre-master secret.
    pub fn is_rsa(self) -> bool {
        self == KeyExchange::Rsa
    }
}

/// The record protection algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BulkCipher {
    Null,
    Rc4_40,
    Rc4_128,
    Rc2Cbc40,
    Des40Cbc,
    DesCbc,
    TripleDesEdeCbc,
    IdeaCbc,
    Aes128Cbc,
    Aes256Cbc,
    Aes128Gcm,
    Aes256Gcm,
    Aes128Ccm,
    Aes256Ccm,
    Aes128Ccm8,
    Aes256Ccm8,
    Camellia128Cbc,
    Camellia256Cbc,
    Camellia128Gcm,
    Camellia256Gcm,
    SeedCbc,
    Aria128Cbc,
    Aria256Cbc,
    Aria128Gcm,
    Aria256Gcm,
    ChaCha20Poly1305,
}

/// How a cipher processes records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherKind {
    /// No encryption (MAC only).
    Null,
    /// A stream cipher (state runs across records).
    Stream,
    /// A block cipher in CBC mode with this block size.
    Block(usize),
    /// An AEAD with this explicit nonce length in the record and this tag length.
    Aead {
        /// Bytes of explicit nonce in each TLS 1.2 record.
        explicit_nonce: usize,
        /// Tag length.
        tag: usize,
    },
}

impl BulkCipher {
    /// Key length in bytes (the final key, for export ciphers too).
    pub fn key_len(self) -> usize {
        match self {
            BulkCipher::Null => 0,
            BulkCipher::Rc4_40 | BulkCipher::Rc2Cbc40 | BulkCipher::Des40Cbc => 5,
            BulkCipher::DesCbc => 8,
            BulkCipher::TripleDesEdeCbc => 24,
            BulkCipher::IdeaCbc
            | BulkCipher::Rc4_128
            | BulkCipher::Aes128Cbc
            | BulkCipher::Aes128Gcm
            | BulkCipher::Aes128Ccm
            | BulkCipher::Aes128Ccm8
            | BulkCipher::Camellia128Cbc
            | BulkCipher::Camellia128Gcm
            | BulkCipher::SeedCbc
            | BulkCipher::Aria128Cbc
            | BulkCipher::Aria128Gcm => 16,
            BulkCipher::Aes256Cbc
            | BulkCipher::Aes256Gcm
            | BulkCipher::Aes256Ccm
            | BulkCipher::Aes256Ccm8
            | BulkCipher::Camellia256Cbc
            | BulkCipher::Camellia256Gcm
            | BulkCipher::Aria256Cbc
            | BulkCipher::Aria256Gcm
            | BulkCipher::ChaCha20Poly1305 => 32,
        }
    }

    /// How records are processed.
    pub fn kind(self) -> CipherKind {
        match self {
            BulkCipher::Null => CipherKind::Null,
            BulkCipher::Rc4_40 | BulkCipher::Rc4_128 => CipherKind::Stream,
            BulkCipher::Rc2Cbc40
            | BulkCipher::Des40Cbc
            | BulkCipher::DesCbc
            | BulkCipher::TripleDesEdeCbc
            | BulkCipher::IdeaCbc => CipherKind::Block(8),
            BulkCipher::Aes128Cbc
            | BulkCipher::Aes256Cbc
            | BulkCipher::Camellia128Cbc
            | BulkCipher::Camellia256Cbc
            | BulkCipher::SeedCbc
            | BulkCipher::Aria128Cbc
            | BulkCipher::Aria256Cbc => CipherKind::Block(16),
            BulkCipher::Aes128Ccm8 | BulkCipher::Aes256Ccm8 => CipherKind::Aead {
                explicit_nonce: 8,
                tag: 8,
            },
            BulkCipher::ChaCha20Poly1305 => CipherKind::Aead {
                explicit_nonce: 0,
                tag: 16,
            },
            _ => CipherKind::Aead {
                explicit_nonce: 8,
                tag: 16,
            },
        }
    }

    /// Bytes of IV material taken from the key block (RFC 5246 section 6.3; RFC 5288 section 3 for GCM's
    /// 4-byte salt; RFC 7905 section 2 for ChaCha20-Poly1305's 12 bytes).
    pub fn iv_len(self) -> usize {
        match self.kind() {
            CipherKind::Null | CipherKind::Stream => 0,
            CipherKind::Block(b) => b,
            CipherKind::Aead {
                explicit_nonce: 0, ..
            } => 12,
            CipherKind::Aead { .. } => 4,
        }
    }

    /// For the 40-bit export ciphers, the length of the final write key stretched from the 5 key-block
    /// bytes (RFC 2246 section 6.3, RFC 6101 section 6.2.2.3: the cipher's full key length, as OpenSSL
    /// keys them: 16 bytes for RC4 and RC2, 8 for DES); None for other ciphers.
    pub fn export_key_len(self) -> Option<usize> {
        match self {
            BulkCipher::Rc4_40 | BulkCipher::Rc2Cbc40 => Some(16),
            BulkCipher::Des40Cbc => Some(8),
            _ => None,
        }
    }

    /// True if peel decrypts this cipher (every cipher of the table does).
    pub fn is_supported(self) -> bool {
        true
    }
}

/// The record MAC (for AEAD suites: none; the name's hash then only selects the PRF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum MacAlgorithm {
    Aead,
    Md5,
    Sha1,
    Sha256,
    Sha384,
}

impl MacAlgorithm {
    /// MAC length (and MAC key length) in bytes.
    pub fn len(self) -> usize {
        match self {
            MacAlgorithm::Aead => 0,
            MacAlgorithm::Md5 => 16,
            MacAlgorithm::Sha1 => 20,
            MacAlgorithm::Sha256 => 32,
            MacAlgorithm::Sha384 => 48,
        }
    }

    /// True for AEAD suites (no separate MAC).
    pub fn is_empty(self) -> bool {
        self == MacAlgorithm::Aead
    }
}

/// Hash of the TLS 1.2 PRF (RFC 5246 section 5) and of the TLS 1.3 HKDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrfHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CipherSuite {
    /// The two-byte number.
    pub id: u16,
    /// IANA name.
    pub name: &'static str,
    /// Key exchange.
    pub kx: KeyExchange,
    /// Bulk cipher.
    pub cipher: BulkCipher,
    /// Record MAC.
    pub mac: MacAlgorithm,
    /// PRF hash for TLS 1.2.
    pub prf: PrfHash,
}

impl CipherSuite {
    /// Looks a suite up by number.
    pub fn lookup(id: u16) -> Option<&'static CipherSuite> {
        SUITES
            .binary_search_by_key(&id, |s| s.id)
            .ok()
            .and_then(|i| SUITES.get(i))
    }

    /// True if peel can decrypt this suite's records once it has the master secret.
    pub fn is_supported(&self) -> bool {
        self.cipher.is_supported() && self.kx != KeyExchange::Tls13
    }
}

macro_rules! suites {
    ($( $id:literal $name:literal $kx:ident $c:ident $m:ident $p:ident ;)*) => {
        /// Every suite in the table, sorted by number.
        pub const SUITES: &[CipherSuite] = &[
            $( CipherSuite { id: $id, name: $name, kx: KeyExchange::$kx, cipher: BulkCipher::$c,
                mac: MacAlgorithm::$m, prf: PrfHash::$p }, )*
        ];
    };
}

suites! {
    0x0000 "TLS_NULL_WITH_NULL_NULL" Null Null Aead Sha256;
    0x0001 "TLS_RSA_WITH_NULL_MD5" Rsa Null Md5 Sha256;
    0x0002 "TLS_RSA_WITH_NULL_SHA" Rsa Null Sha1 Sha256;
    0x0003 "TLS_RSA_EXPORT_WITH_RC4_40_MD5" RsaExport Rc4_40 Md5 Sha256;
    0x0004 "TLS_RSA_WITH_RC4_128_MD5" Rsa Rc4_128 Md5 Sha256;
    0x0005 "TLS_RSA_WITH_RC4_128_SHA" Rsa Rc4_128 Sha1 Sha256;
    0x0006 "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" RsaExport Rc2Cbc40 Md5 Sha256;
    0x0007 "TLS_RSA_WITH_IDEA_CBC_SHA" Rsa IdeaCbc Sha1 Sha256;
    0x0008 "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" RsaExport Des40Cbc Sha1 Sha256;
    0x0009 "TLS_RSA_WITH_DES_CBC_SHA" Rsa DesCbc Sha1 Sha256;
    0x000A "TLS_RSA_WITH_3DES_EDE_CBC_SHA" Rsa TripleDesEdeCbc Sha1 Sha256;
    0x000B "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" DhDss Des40Cbc Sha1 Sha256;
    0x000C "TLS_DH_DSS_WITH_DES_CBC_SHA" DhDss DesCbc Sha1 Sha256;
    0x000D "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" DhDss TripleDesEdeCbc Sha1 Sha256;
    0x000E "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" DhRsa Des40Cbc Sha1 Sha256;
    0x000F "TLS_DH_RSA_WITH_DES_CBC_SHA" DhRsa DesCbc Sha1 Sha256;
    0x0010 "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" DhRsa TripleDesEdeCbc Sha1 Sha256;
    0x0011 "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" DheDss Des40Cbc Sha1 Sha256;
    0x0012 "TLS_DHE_DSS_WITH_DES_CBC_SHA" DheDss DesCbc Sha1 Sha256;
    0x0013 "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" DheDss TripleDesEdeCbc Sha1 Sha256;
    0x0014 "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" DheRsa Des40Cbc Sha1 Sha256;
    0x0015 "TLS_DHE_RSA_WITH_DES_CBC_SHA" DheRsa DesCbc Sha1 Sha256;
    0x0016 "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" DheRsa TripleDesEdeCbc Sha1 Sha256;
    0x0017 "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" DhAnon Rc4_40 Md5 Sha256;
    0x0018 "TLS_DH_anon_WITH_RC4_128_MD5" DhAnon Rc4_128 Md5 Sha256;
    0x0019 "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" DhAnon Des40Cbc Sha1 Sha256;
    0x001A "TLS_DH_anon_WITH_DES_CBC_SHA" DhAnon DesCbc Sha1 Sha256;
    0x001B "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" DhAnon TripleDesEdeCbc Sha1 Sha256;
    0x001E "TLS_KRB5_WITH_DES_CBC_SHA" Krb5 DesCbc Sha1 Sha256;
    0x001F "TLS_KRB5_WITH_3DES_EDE_CBC_SHA" Krb5 TripleDesEdeCbc Sha1 Sha256;
    0x0020 "TLS_KRB5_WITH_RC4_128_SHA" Krb5 Rc4_128 Sha1 Sha256;
    0x0021 "TLS_KRB5_WITH_IDEA_CBC_SHA" Krb5 IdeaCbc Sha1 Sha256;
    0x0022 "TLS_KRB5_WITH_DES_CBC_MD5" Krb5 DesCbc Md5 Sha256;
    0x0023 "TLS_KRB5_WITH_3DES_EDE_CBC_MD5" Krb5 TripleDesEdeCbc Md5 Sha256;
    0x0024 "TLS_KRB5_WITH_RC4_128_MD5" Krb5 Rc4_128 Md5 Sha256;
    0x0025 "TLS_KRB5_WITH_IDEA_CBC_MD5" Krb5 IdeaCbc Md5 Sha256;
    0x0026 "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA" Krb5Export Des40Cbc Sha1 Sha256;
    0x0027 "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA" Krb5Export Rc2Cbc40 Sha1 Sha256;
    0x0028 "TLS_KRB5_EXPORT_WITH_RC4_40_SHA" Krb5Export Rc4_40 Sha1 Sha256;
    0x0029 "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5" Krb5Export Des40Cbc Md5 Sha256;
    0x002A "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5" Krb5Export Rc2Cbc40 Md5 Sha256;
    0x002B "TLS_KRB5_EXPORT_WITH_RC4_40_MD5" Krb5Export Rc4_40 Md5 Sha256;
    0x002C "TLS_PSK_WITH_NULL_SHA" Psk Null Sha1 Sha256;
    0x002D "TLS_DHE_PSK_WITH_NULL_SHA" DhePsk Null Sha1 Sha256;
    0x002E "TLS_RSA_PSK_WITH_NULL_SHA" RsaPsk Null Sha1 Sha256;
    0x002F "TLS_RSA_WITH_AES_128_CBC_SHA" Rsa Aes128Cbc Sha1 Sha256;
    0x0030 "TLS_DH_DSS_WITH_AES_128_CBC_SHA" DhDss Aes128Cbc Sha1 Sha256;
    0x0031 "TLS_DH_RSA_WITH_AES_128_CBC_SHA" DhRsa Aes128Cbc Sha1 Sha256;
    0x0032 "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" DheDss Aes128Cbc Sha1 Sha256;
    0x0033 "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" DheRsa Aes128Cbc Sha1 Sha256;
    0x0034 "TLS_DH_anon_WITH_AES_128_CBC_SHA" DhAnon Aes128Cbc Sha1 Sha256;
    0x0035 "TLS_RSA_WITH_AES_256_CBC_SHA" Rsa Aes256Cbc Sha1 Sha256;
    0x0036 "TLS_DH_DSS_WITH_AES_256_CBC_SHA" DhDss Aes256Cbc Sha1 Sha256;
    0x0037 "TLS_DH_RSA_WITH_AES_256_CBC_SHA" DhRsa Aes256Cbc Sha1 Sha256;
    0x0038 "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" DheDss Aes256Cbc Sha1 Sha256;
    0x0039 "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" DheRsa Aes256Cbc Sha1 Sha256;
    0x003A "TLS_DH_anon_WITH_AES_256_CBC_SHA" DhAnon Aes256Cbc Sha1 Sha256;
    0x003B "TLS_RSA_WITH_NULL_SHA256" Rsa Null Sha256 Sha256;
    0x003C "TLS_RSA_WITH_AES_128_CBC_SHA256" Rsa Aes128Cbc Sha256 Sha256;
    0x003D "TLS_RSA_WITH_AES_256_CBC_SHA256" Rsa Aes256Cbc Sha256 Sha256;
    0x003E "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" DhDss Aes128Cbc Sha256 Sha256;
    0x003F "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" DhRsa Aes128Cbc Sha256 Sha256;
    0x0040 "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" DheDss Aes128Cbc Sha256 Sha256;
    0x0041 "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" Rsa Camellia128Cbc Sha1 Sha256;
    0x0042 "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA" DhDss Camellia128Cbc Sha1 Sha256;
    0x0043 "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA" DhRsa Camellia128Cbc Sha1 Sha256;
    0x0044 "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" DheDss Camellia128Cbc Sha1 Sha256;
    0x0045 "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" DheRsa Camellia128Cbc Sha1 Sha256;
    0x0046 "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" DhAnon Camellia128Cbc Sha1 Sha256;
    0x0067 "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" DheRsa Aes128Cbc Sha256 Sha256;
    0x0068 "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" DhDss Aes256Cbc Sha256 Sha256;
    0x0069 "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" DhRsa Aes256Cbc Sha256 Sha256;
    0x006A "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" DheDss Aes256Cbc Sha256 Sha256;
    0x006B "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" DheRsa Aes256Cbc Sha256 Sha256;
    0x006C "TLS_DH_anon_WITH_AES_128_CBC_SHA256" DhAnon Aes128Cbc Sha256 Sha256;
    0x006D "TLS_DH_anon_WITH_AES_256_CBC_SHA256" DhAnon Aes256Cbc Sha256 Sha256;
    0x0084 "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" Rsa Camellia256Cbc Sha1 Sha256;
    0x0085 "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA" DhDss Camellia256Cbc Sha1 Sha256;
    0x0086 "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA" DhRsa Camellia256Cbc Sha1 Sha256;
    0x0087 "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" DheDss Camellia256Cbc Sha1 Sha256;
    0x0088 "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" DheRsa Camellia256Cbc Sha1 Sha256;
    0x0089 "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" DhAnon Camellia256Cbc Sha1 Sha256;
    0x008A "TLS_PSK_WITH_RC4_128_SHA" Psk Rc4_128 Sha1 Sha256;
    0x008B "TLS_PSK_WITH_3DES_EDE_CBC_SHA" Psk TripleDesEdeCbc Sha1 Sha256;
    0x008C "TLS_PSK_WITH_AES_128_CBC_SHA" Psk Aes128Cbc Sha1 Sha256;
    0x008D "TLS_PSK_WITH_AES_256_CBC_SHA" Psk Aes256Cbc Sha1 Sha256;
    0x008E "TLS_DHE_PSK_WITH_RC4_128_SHA" DhePsk Rc4_128 Sha1 Sha256;
    0x008F "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA" DhePsk TripleDesEdeCbc Sha1 Sha256;
    0x0090 "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" DhePsk Aes128Cbc Sha1 Sha256;
    0x0091 "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" DhePsk Aes256Cbc Sha1 Sha256;
    0x0092 "TLS_RSA_PSK_WITH_RC4_128_SHA" RsaPsk Rc4_128 Sha1 Sha256;
    0x0093 "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA" RsaPsk TripleDesEdeCbc Sha1 Sha256;
    0x0094 "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" RsaPsk Aes128Cbc Sha1 Sha256;
    0x0095 "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" RsaPsk Aes256Cbc Sha1 Sha256;
    0x0096 "TLS_RSA_WITH_SEED_CBC_SHA" Rsa SeedCbc Sha1 Sha256;
    0x0097 "TLS_DH_DSS_WITH_SEED_CBC_SHA" DhDss SeedCbc Sha1 Sha256;
    0x0098 "TLS_DH_RSA_WITH_SEED_CBC_SHA" DhRsa SeedCbc Sha1 Sha256;
    0x0099 "TLS_DHE_DSS_WITH_SEED_CBC_SHA" DheDss SeedCbc Sha1 Sha256;
    0x009A "TLS_DHE_RSA_WITH_SEED_CBC_SHA" DheRsa SeedCbc Sha1 Sha256;
    0x009B "TLS_DH_anon_WITH_SEED_CBC_SHA" DhAnon SeedCbc Sha1 Sha256;
    0x009C "TLS_RSA_WITH_AES_128_GCM_SHA256" Rsa Aes128Gcm Aead Sha256;
    0x009D "TLS_RSA_WITH_AES_256_GCM_SHA384" Rsa Aes256Gcm Aead Sha384;
    0x009E "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" DheRsa Aes128Gcm Aead Sha256;
    0x009F "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" DheRsa Aes256Gcm Aead Sha384;
    0x00A0 "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" DhRsa Aes128Gcm Aead Sha256;
    0x00A1 "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" DhRsa Aes256Gcm Aead Sha384;
    0x00A2 "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" DheDss Aes128Gcm Aead Sha256;
    0x00A3 "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" DheDss Aes256Gcm Aead Sha384;
    0x00A4 "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" DhDss Aes128Gcm Aead Sha256;
    0x00A5 "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" DhDss Aes256Gcm Aead Sha384;
    0x00A6 "TLS_DH_anon_WITH_AES_128_GCM_SHA256" DhAnon Aes128Gcm Aead Sha256;
    0x00A7 "TLS_DH_anon_WITH_AES_256_GCM_SHA384" DhAnon Aes256Gcm Aead Sha384;
    0x00A8 "TLS_PSK_WITH_AES_128_GCM_SHA256" Psk Aes128Gcm Aead Sha256;
    0x00A9 "TLS_PSK_WITH_AES_256_GCM_SHA384" Psk Aes256Gcm Aead Sha384;
    0x00AA "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" DhePsk Aes128Gcm Aead Sha256;
    0x00AB "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" DhePsk Aes256Gcm Aead Sha384;
    0x00AC "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" RsaPsk Aes128Gcm Aead Sha256;
    0x00AD "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" RsaPsk Aes256Gcm Aead Sha384;
    0x00AE "TLS_PSK_WITH_AES_128_CBC_SHA256" Psk Aes128Cbc Sha256 Sha256;
    0x00AF "TLS_PSK_WITH_AES_256_CBC_SHA384" Psk Aes256Cbc Sha384 Sha384;
    0x00B0 "TLS_PSK_WITH_NULL_SHA256" Psk Null Sha256 Sha256;
    0x00B1 "TLS_PSK_WITH_NULL_SHA384" Psk Null Sha384 Sha384;
    0x00B2 "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" DhePsk Aes128Cbc Sha256 Sha256;
    0x00B3 "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" DhePsk Aes256Cbc Sha384 Sha384;
    0x00B4 "TLS_DHE_PSK_WITH_NULL_SHA256" DhePsk Null Sha256 Sha256;
    0x00B5 "TLS_DHE_PSK_WITH_NULL_SHA384" DhePsk Null Sha384 Sha384;
    0x00B6 "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" RsaPsk Aes128Cbc Sha256 Sha256;
    0x00B7 "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" RsaPsk Aes256Cbc Sha384 Sha384;
    0x00B8 "TLS_RSA_PSK_WITH_NULL_SHA256" RsaPsk Null Sha256 Sha256;
    0x00B9 "TLS_RSA_PSK_WITH_NULL_SHA384" RsaPsk Null Sha384 Sha384;
    0x00BA "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" Rsa Camellia128Cbc Sha256 Sha256;
    0x00BB "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256" DhDss Camellia128Cbc Sha256 Sha256;
    0x00BC "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256" DhRsa Camellia128Cbc Sha256 Sha256;
    0x00BD "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" DheDss Camellia128Cbc Sha256 Sha256;
    0x00BE "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" DheRsa Camellia128Cbc Sha256 Sha256;
    0x00BF "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" DhAnon Camellia128Cbc Sha256 Sha256;
    0x00C0 "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" Rsa Camellia256Cbc Sha256 Sha256;
    0x00C1 "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256" DhDss Camellia256Cbc Sha256 Sha256;
    0x00C2 "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256" DhRsa Camellia256Cbc Sha256 Sha256;
    0x00C3 "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" DheDss Camellia256Cbc Sha256 Sha256;
    0x00C4 "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" DheRsa Camellia256Cbc Sha256 Sha256;
    0x00C5 "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" DhAnon Camellia256Cbc Sha256 Sha256;
    0x1301 "TLS_AES_128_GCM_SHA256" Tls13 Aes128Gcm Aead Sha256;
    0x1302 "TLS_AES_256_GCM_SHA384" Tls13 Aes256Gcm Aead Sha384;
    0x1303 "TLS_CHACHA20_POLY1305_SHA256" Tls13 ChaCha20Poly1305 Aead Sha256;
    0x1304 "TLS_AES_128_CCM_SHA256" Tls13 Aes128Ccm Aead Sha256;
    0x1305 "TLS_AES_128_CCM_8_SHA256" Tls13 Aes128Ccm8 Aead Sha256;
    0xC001 "TLS_ECDH_ECDSA_WITH_NULL_SHA" EcdhEcdsa Null Sha1 Sha256;
    0xC002 "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" EcdhEcdsa Rc4_128 Sha1 Sha256;
    0xC003 "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" EcdhEcdsa TripleDesEdeCbc Sha1 Sha256;
    0xC004 "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" EcdhEcdsa Aes128Cbc Sha1 Sha256;
    0xC005 "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" EcdhEcdsa Aes256Cbc Sha1 Sha256;
    0xC006 "TLS_ECDHE_ECDSA_WITH_NULL_SHA" EcdheEcdsa Null Sha1 Sha256;
    0xC007 "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" EcdheEcdsa Rc4_128 Sha1 Sha256;
    0xC008 "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" EcdheEcdsa TripleDesEdeCbc Sha1 Sha256;
    0xC009 "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" EcdheEcdsa Aes128Cbc Sha1 Sha256;
    0xC00A "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" EcdheEcdsa Aes256Cbc Sha1 Sha256;
    0xC00B "TLS_ECDH_RSA_WITH_NULL_SHA" EcdhRsa Null Sha1 Sha256;
    0xC00C "TLS_ECDH_RSA_WITH_RC4_128_SHA" EcdhRsa Rc4_128 Sha1 Sha256;
    0xC00D "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" EcdhRsa TripleDesEdeCbc Sha1 Sha256;
    0xC00E "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" EcdhRsa Aes128Cbc Sha1 Sha256;
    0xC00F "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" EcdhRsa Aes256Cbc Sha1 Sha256;
    0xC010 "TLS_ECDHE_RSA_WITH_NULL_SHA" EcdheRsa Null Sha1 Sha256;
    0xC011 "TLS_ECDHE_RSA_WITH_RC4_128_SHA" EcdheRsa Rc4_128 Sha1 Sha256;
    0xC012 "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" EcdheRsa TripleDesEdeCbc Sha1 Sha256;
    0xC013 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" EcdheRsa Aes128Cbc Sha1 Sha256;
    0xC014 "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" EcdheRsa Aes256Cbc Sha1 Sha256;
    0xC015 "TLS_ECDH_anon_WITH_NULL_SHA" EcdhAnon Null Sha1 Sha256;
    0xC016 "TLS_ECDH_anon_WITH_RC4_128_SHA" EcdhAnon Rc4_128 Sha1 Sha256;
    0xC017 "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" EcdhAnon TripleDesEdeCbc Sha1 Sha256;
    0xC018 "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" EcdhAnon Aes128Cbc Sha1 Sha256;
    0xC019 "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" EcdhAnon Aes256Cbc Sha1 Sha256;
    0xC01A "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" SrpSha TripleDesEdeCbc Sha1 Sha256;
    0xC01B "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" SrpShaRsa TripleDesEdeCbc Sha1 Sha256;
    0xC01C "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" SrpShaDss TripleDesEdeCbc Sha1 Sha256;
    0xC01D "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" SrpSha Aes128Cbc Sha1 Sha256;
    0xC01E "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" SrpShaRsa Aes128Cbc Sha1 Sha256;
    0xC01F "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" SrpShaDss Aes128Cbc Sha1 Sha256;
    0xC020 "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" SrpSha Aes256Cbc Sha1 Sha256;
    0xC021 "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" SrpShaRsa Aes256Cbc Sha1 Sha256;
    0xC022 "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" SrpShaDss Aes256Cbc Sha1 Sha256;
    0xC023 "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" EcdheEcdsa Aes128Cbc Sha256 Sha256;
    0xC024 "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" EcdheEcdsa Aes256Cbc Sha384 Sha384;
    0xC025 "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" EcdhEcdsa Aes128Cbc Sha256 Sha256;
    0xC026 "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" EcdhEcdsa Aes256Cbc Sha384 Sha384;
    0xC027 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" EcdheRsa Aes128Cbc Sha256 Sha256;
    0xC028 "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" EcdheRsa Aes256Cbc Sha384 Sha384;
    0xC029 "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" EcdhRsa Aes128Cbc Sha256 Sha256;
    0xC02A "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" EcdhRsa Aes256Cbc Sha384 Sha384;
    0xC02B "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" EcdheEcdsa Aes128Gcm Aead Sha256;
    0xC02C "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" EcdheEcdsa Aes256Gcm Aead Sha384;
    0xC02D "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" EcdhEcdsa Aes128Gcm Aead Sha256;
    0xC02E "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" EcdhEcdsa Aes256Gcm Aead Sha384;
    0xC02F "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" EcdheRsa Aes128Gcm Aead Sha256;
    0xC030 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" EcdheRsa Aes256Gcm Aead Sha384;
    0xC031 "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" EcdhRsa Aes128Gcm Aead Sha256;
    0xC032 "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" EcdhRsa Aes256Gcm Aead Sha384;
    0xC033 "TLS_ECDHE_PSK_WITH_RC4_128_SHA" EcdhePsk Rc4_128 Sha1 Sha256;
    0xC034 "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA" EcdhePsk TripleDesEdeCbc Sha1 Sha256;
    0xC035 "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" EcdhePsk Aes128Cbc Sha1 Sha256;
    0xC036 "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" EcdhePsk Aes256Cbc Sha1 Sha256;
    0xC037 "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" EcdhePsk Aes128Cbc Sha256 Sha256;
    0xC038 "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" EcdhePsk Aes256Cbc Sha384 Sha384;
    0xC039 "TLS_ECDHE_PSK_WITH_NULL_SHA" EcdhePsk Null Sha1 Sha256;
    0xC03A "TLS_ECDHE_PSK_WITH_NULL_SHA256" EcdhePsk Null Sha256 Sha256;
    0xC03B "TLS_ECDHE_PSK_WITH_NULL_SHA384" EcdhePsk Null Sha384 Sha384;
    0xC03C "TLS_RSA_WITH_ARIA_128_CBC_SHA256" Rsa Aria128Cbc Sha256 Sha256;
    0xC03D "TLS_RSA_WITH_ARIA_256_CBC_SHA384" Rsa Aria256Cbc Sha384 Sha384;
    0xC03E "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256" DhDss Aria128Cbc Sha256 Sha256;
    0xC03F "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384" DhDss Aria256Cbc Sha384 Sha384;
    0xC040 "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256" DhRsa Aria128Cbc Sha256 Sha256;
    0xC041 "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384" DhRsa Aria256Cbc Sha384 Sha384;
    0xC042 "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256" DheDss Aria128Cbc Sha256 Sha256;
    0xC043 "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384" DheDss Aria256Cbc Sha384 Sha384;
    0xC044 "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256" DheRsa Aria128Cbc Sha256 Sha256;
    0xC045 "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384" DheRsa Aria256Cbc Sha384 Sha384;
    0xC046 "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256" DhAnon Aria128Cbc Sha256 Sha256;
    0xC047 "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384" DhAnon Aria256Cbc Sha384 Sha384;
    0xC048 "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256" EcdheEcdsa Aria128Cbc Sha256 Sha256;
    0xC049 "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384" EcdheEcdsa Aria256Cbc Sha384 Sha384;
    0xC04A "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256" EcdhEcdsa Aria128Cbc Sha256 Sha256;
    0xC04B "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384" EcdhEcdsa Aria256Cbc Sha384 Sha384;
    0xC04C "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256" EcdheRsa Aria128Cbc Sha256 Sha256;
    0xC04D "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384" EcdheRsa Aria256Cbc Sha384 Sha384;
    0xC04E "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256" EcdhRsa Aria128Cbc Sha256 Sha256;
    0xC04F "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384" EcdhRsa Aria256Cbc Sha384 Sha384;
    0xC050 "TLS_RSA_WITH_ARIA_128_GCM_SHA256" Rsa Aria128Gcm Aead Sha256;
    0xC051 "TLS_RSA_WITH_ARIA_256_GCM_SHA384" Rsa Aria256Gcm Aead Sha384;
    0xC052 "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" DheRsa Aria128Gcm Aead Sha256;
    0xC053 "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" DheRsa Aria256Gcm Aead Sha384;
    0xC054 "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256" DhRsa Aria128Gcm Aead Sha256;
    0xC055 "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384" DhRsa Aria256Gcm Aead Sha384;
    0xC056 "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" DheDss Aria128Gcm Aead Sha256;
    0xC057 "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" DheDss Aria256Gcm Aead Sha384;
    0xC058 "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256" DhDss Aria128Gcm Aead Sha256;
    0xC059 "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384" DhDss Aria256Gcm Aead Sha384;
    0xC05A "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256" DhAnon Aria128Gcm Aead Sha256;
    0xC05B "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384" DhAnon Aria256Gcm Aead Sha384;
    0xC05C "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" EcdheEcdsa Aria128Gcm Aead Sha256;
    0xC05D "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" EcdheEcdsa Aria256Gcm Aead Sha384;
    0xC05E "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256" EcdhEcdsa Aria128Gcm Aead Sha256;
    0xC05F "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384" EcdhEcdsa Aria256Gcm Aead Sha384;
    0xC060 "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" EcdheRsa Aria128Gcm Aead Sha256;
    0xC061 "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" EcdheRsa Aria256Gcm Aead Sha384;
    0xC062 "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256" EcdhRsa Aria128Gcm Aead Sha256;
    0xC063 "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384" EcdhRsa Aria256Gcm Aead Sha384;
    0xC064 "TLS_PSK_WITH_ARIA_128_CBC_SHA256" Psk Aria128Cbc Sha256 Sha256;
    0xC065 "TLS_PSK_WITH_ARIA_256_CBC_SHA384" Psk Aria256Cbc Sha384 Sha384;
    0xC066 "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256" DhePsk Aria128Cbc Sha256 Sha256;
    0xC067 "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384" DhePsk Aria256Cbc Sha384 Sha384;
    0xC068 "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256" RsaPsk Aria128Cbc Sha256 Sha256;
    0xC069 "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384" RsaPsk Aria256Cbc Sha384 Sha384;
    0xC06A "TLS_PSK_WITH_ARIA_128_GCM_SHA256" Psk Aria128Gcm Aead Sha256;
    0xC06B "TLS_PSK_WITH_ARIA_256_GCM_SHA384" Psk Aria256Gcm Aead Sha384;
    0xC06C "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" DhePsk Aria128Gcm Aead Sha256;
    0xC06D "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" DhePsk Aria256Gcm Aead Sha384;
    0xC06E "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" RsaPsk Aria128Gcm Aead Sha256;
    0xC06F "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" RsaPsk Aria256Gcm Aead Sha384;
    0xC070 "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256" EcdhePsk Aria128Cbc Sha256 Sha256;
    0xC071 "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384" EcdhePsk Aria256Cbc Sha384 Sha384;
    0xC072 "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" EcdheEcdsa Camellia128Cbc Sha256 Sha256;
    0xC073 "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" EcdheEcdsa Camellia256Cbc Sha384 Sha384;
    0xC074 "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" EcdhEcdsa Camellia128Cbc Sha256 Sha256;
    0xC075 "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" EcdhEcdsa Camellia256Cbc Sha384 Sha384;
    0xC076 "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" EcdheRsa Camellia128Cbc Sha256 Sha256;
    0xC077 "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" EcdheRsa Camellia256Cbc Sha384 Sha384;
    0xC078 "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256" EcdhRsa Camellia128Cbc Sha256 Sha256;
    0xC079 "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384" EcdhRsa Camellia256Cbc Sha384 Sha384;
    0xC07A "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256" Rsa Camellia128Gcm Aead Sha256;
    0xC07B "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384" Rsa Camellia256Gcm Aead Sha384;
    0xC07C "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" DheRsa Camellia128Gcm Aead Sha256;
    0xC07D "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" DheRsa Camellia256Gcm Aead Sha384;
    0xC07E "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256" DhRsa Camellia128Gcm Aead Sha256;
    0xC07F "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384" DhRsa Camellia256Gcm Aead Sha384;
    0xC080 "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256" DheDss Camellia128Gcm Aead Sha256;
    0xC081 "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384" DheDss Camellia256Gcm Aead Sha384;
    0xC082 "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256" DhDss Camellia128Gcm Aead Sha256;
    0xC083 "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384" DhDss Camellia256Gcm Aead Sha384;
    0xC084 "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256" DhAnon Camellia128Gcm Aead Sha256;
    0xC085 "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384" DhAnon Camellia256Gcm Aead Sha384;
    0xC086 "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" EcdheEcdsa Camellia128Gcm Aead Sha256;
    0xC087 "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" EcdheEcdsa Camellia256Gcm Aead Sha384;
    0xC088 "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256" EcdhEcdsa Camellia128Gcm Aead Sha256;
    0xC089 "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384" EcdhEcdsa Camellia256Gcm Aead Sha384;
    0xC08A "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256" EcdheRsa Camellia128Gcm Aead Sha256;
    0xC08B "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384" EcdheRsa Camellia256Gcm Aead Sha384;
    0xC08C "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256" EcdhRsa Camellia128Gcm Aead Sha256;
    0xC08D "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384" EcdhRsa Camellia256Gcm Aead Sha384;
    0xC08E "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256" Psk Camellia128Gcm Aead Sha256;
    0xC08F "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384" Psk Camellia256Gcm Aead Sha384;
    0xC090 "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256" DhePsk Camellia128Gcm Aead Sha256;
    0xC091 "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384" DhePsk Camellia256Gcm Aead Sha384;
    0xC092 "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256" RsaPsk Camellia128Gcm Aead Sha256;
    0xC093 "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384" RsaPsk Camellia256Gcm Aead Sha384;
    0xC094 "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" Psk Camellia128Cbc Sha256 Sha256;
    0xC095 "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" Psk Camellia256Cbc Sha384 Sha384;
    0xC096 "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" DhePsk Camellia128Cbc Sha256 Sha256;
    0xC097 "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" DhePsk Camellia256Cbc Sha384 Sha384;
    0xC098 "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" RsaPsk Camellia128Cbc Sha256 Sha256;
    0xC099 "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" RsaPsk Camellia256Cbc Sha384 Sha384;
    0xC09A "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" EcdhePsk Camellia128Cbc Sha256 Sha256;
    0xC09B "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" EcdhePsk Camellia256Cbc Sha384 Sha384;
    0xC09C "TLS_RSA_WITH_AES_128_CCM" Rsa Aes128Ccm Aead Sha256;
    0xC09D "TLS_RSA_WITH_AES_256_CCM" Rsa Aes256Ccm Aead Sha256;
    0xC09E "TLS_DHE_RSA_WITH_AES_128_CCM" DheRsa Aes128Ccm Aead Sha256;
    0xC09F "TLS_DHE_RSA_WITH_AES_256_CCM" DheRsa Aes256Ccm Aead Sha256;
    0xC0A0 "TLS_RSA_WITH_AES_128_CCM_8" Rsa Aes128Ccm8 Aead Sha256;
    0xC0A1 "TLS_RSA_WITH_AES_256_CCM_8" Rsa Aes256Ccm8 Aead Sha256;
    0xC0A2 "TLS_DHE_RSA_WITH_AES_128_CCM_8" DheRsa Aes128Ccm8 Aead Sha256;
    0xC0A3 "TLS_DHE_RSA_WITH_AES_256_CCM_8" DheRsa Aes256Ccm8 Aead Sha256;
    0xC0A4 "TLS_PSK_WITH_AES_128_CCM" Psk Aes128Ccm Aead Sha256;
    0xC0A5 "TLS_PSK_WITH_AES_256_CCM" Psk Aes256Ccm Aead Sha256;
    0xC0A6 "TLS_DHE_PSK_WITH_AES_128_CCM" DhePsk Aes128Ccm Aead Sha256;
    0xC0A7 "TLS_DHE_PSK_WITH_AES_256_CCM" DhePsk Aes256Ccm Aead Sha256;
    0xC0A8 "TLS_PSK_WITH_AES_128_CCM_8" Psk Aes128Ccm8 Aead Sha256;
    0xC0A9 "TLS_PSK_WITH_AES_256_CCM_8" Psk Aes256Ccm8 Aead Sha256;
    0xC0AA "TLS_PSK_DHE_WITH_AES_128_CCM_8" DhePsk Aes128Ccm8 Aead Sha256;
    0xC0AB "TLS_PSK_DHE_WITH_AES_256_CCM_8" DhePsk Aes256Ccm8 Aead Sha256;
    0xC0AC "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" EcdheEcdsa Aes128Ccm Aead Sha256;
    0xC0AD "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" EcdheEcdsa Aes256Ccm Aead Sha256;
    0xC0AE "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" EcdheEcdsa Aes128Ccm8 Aead Sha256;
    0xC0AF "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" EcdheEcdsa Aes256Ccm8 Aead Sha256;
    0xCCA8 "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" EcdheRsa ChaCha20Poly1305 Aead Sha256;
    0xCCA9 "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" EcdheEcdsa ChaCha20Poly1305 Aead Sha256;
    0xCCAA "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" DheRsa ChaCha20Poly1305 Aead Sha256;
    0xCCAB "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" Psk ChaCha20Poly1305 Aead Sha256;
    0xCCAC "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" EcdhePsk ChaCha20Poly1305 Aead Sha256;
    0xCCAD "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" DhePsk ChaCha20Poly1305 Aead Sha256;
    0xCCAE "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" RsaPsk ChaCha20Poly1305 Aead Sha256;
    0xD001 "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256" EcdhePsk Aes128Gcm Aead Sha256;
    0xD002 "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384" EcdhePsk Aes256Gcm Aead Sha384;
    0xD003 "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256" EcdhePsk Aes128Ccm8 Aead Sha256;
    0xD005 "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256" EcdhePsk Aes128Ccm Aead Sha256;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_found() {
        assert!(SUITES.windows(2).all(|w| w[0].id < w[1].id));
        let s = CipherSuite::lookup(0x009d).unwrap();
        assert_eq!(s.name, "TLS_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(s.prf, PrfHash::Sha384);
        assert!(s.is_supported());
        assert_eq!(
            CipherSuite::lookup(0xc02f).unwrap().kx,
            KeyExchange::EcdheRsa
        );
        assert!(CipherSuite::lookup(0x00ff).is_none());
        assert!(CipherSuite::lookup(0x0041).unwrap().is_supported());
        // TLS 1.3 suites are keyed by the TLS 1.3 schedule, not the TLS 1.2 key block.
        assert!(!CipherSuite::lookup(0x1301).unwrap().is_supported());
        let aria = CipherSuite::lookup(0xc04d).unwrap();
        assert_eq!(aria.name, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384");
        assert_eq!(
            (aria.cipher, aria.mac, aria.prf),
            (
                BulkCipher::Aria256Cbc,
                MacAlgorithm::Sha384,
                PrfHash::Sha384
            )
        );
        let krb = CipherSuite::lookup(0x0027).unwrap();
        assert_eq!(
            (krb.kx, krb.cipher),
            (KeyExchange::Krb5Export, BulkCipher::Rc2Cbc40)
        );
        assert_eq!(
            CipherSuite::lookup(0xd005).unwrap().cipher,
            BulkCipher::Aes128Ccm
        );
        assert_eq!(
            CipherSuite::lookup(0xc01e).unwrap().kx.name(),
            "SRP_SHA_RSA"
        );
        // Every row's name agrees with its columns.
        for s in SUITES {
            // (RFC 6655 spells two DHE_PSK suites "PSK_DHE".)
            let kx_in_name = s.name.contains(s.kx.name()) || s.name.contains("_PSK_DHE_");
            assert!(kx_in_name || s.kx == KeyExchange::Tls13, "{}", s.name);
            let sha384 = s.name.ends_with("SHA384");
            assert_eq!(s.prf == PrfHash::Sha384, sha384, "{}", s.name);
        }
    }
}
