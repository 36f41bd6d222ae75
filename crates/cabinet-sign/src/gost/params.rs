//! The parameter sets of GOST R 34.10-2012 that OpenSSL's GOST engine
//! offers (RFC 4357, RFC 7836, R 50.1.114-2016), plus the test curves of the
//! standard's worked examples. Twisted Edwards curves (TC26 256 A, 512 C)
//! are used in their Weierstrass form, as the engine does.

use std::sync::OnceLock;

use super::curve::Curve;

/// Key size: 256-bit keys sign a Streebog-256 digest, 512-bit keys a
/// Streebog-512 digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySize {
    Bits256,
    Bits512,
}

impl KeySize {
    /// Bytes of a coordinate, a private key, a digest and half a signature.
    pub fn bytes(self) -> usize {
        match self {
            KeySize::Bits256 => 32,
            KeySize::Bits512 => 64,
        }
    }

    /// The key algorithm (id-tc26-gost3410-12-256 / -512).
    pub fn key_oid(self) -> &'static str {
        match self {
            KeySize::Bits256 => "1.2.643.7.1.1.1.1",
            KeySize::Bits512 => "1.2.643.7.1.1.1.2",
        }
    }

    /// The digest (id-tc26-gost3411-12-256 / -512).
    pub fn digest_oid(self) -> &'static str {
        match self {
            KeySize::Bits256 => "1.2.643.7.1.1.2.2",
            KeySize::Bits512 => "1.2.643.7.1.1.2.3",
        }
    }

    /// Signature with digest (id-tc26-signwithdigest-gost3410-12-256 / -512).
    pub fn signature_oid(self) -> &'static str {
        match self {
            KeySize::Bits256 => "1.2.643.7.1.1.3.2",
            KeySize::Bits512 => "1.2.643.7.1.1.3.3",
        }
    }
}

/// A named parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamSet {
    /// id-GostR3410-2001-CryptoPro-A-ParamSet (engine: `A`).
    CryptoProA,
    /// id-GostR3410-2001-CryptoPro-B-ParamSet (`B`).
    CryptoProB,
    /// id-GostR3410-2001-CryptoPro-C-ParamSet (`C`).
    CryptoProC,
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet (`XA`): the curve of A.
    CryptoProXchA,
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet (`XB`): the curve of C.
    CryptoProXchB,
    /// id-tc26-gost-3410-2012-256-paramSetA (`TCA`), twisted Edwards.
    Tc26_256A,
    /// id-tc26-gost-3410-2012-256-paramSetB (`TCB`): the curve of CryptoPro A.
    Tc26_256B,
    /// id-tc26-gost-3410-2012-256-paramSetC (`TCC`): the curve of CryptoPro B.
    Tc26_256C,
    /// id-tc26-gost-3410-2012-256-paramSetD (`TCD`): the curve of CryptoPro C.
    Tc26_256D,
    /// id-tc26-gost-3410-2012-512-paramSetA (`A` of gost2012_512).
    Tc26_512A,
    /// id-tc26-gost-3410-2012-512-paramSetB (`B`).
    Tc26_512B,
    /// id-tc26-gost-3410-2012-512-paramSetC (`C`), twisted Edwards.
    Tc26_512C,
    /// The test curve of the standard's example 1 (id-GostR3410-2001-TestParamSet).
    Test256,
    /// The test curve of the standard's example 2 (id-tc26-gost-3410-2012-512-paramSetTest).
    Test512,
}

/// Every parameter set, test curves last.
pub const ALL: [ParamSet; 14] = [
    ParamSet::CryptoProA,
    ParamSet::CryptoProB,
    ParamSet::CryptoProC,
    ParamSet::CryptoProXchA,
    ParamSet::CryptoProXchB,
    ParamSet::Tc26_256A,
    ParamSet::Tc26_256B,
    ParamSet::Tc26_256C,
    ParamSet::Tc26_256D,
    ParamSet::Tc26_512A,
    ParamSet::Tc26_512B,
    ParamSet::Tc26_512C,
    ParamSet::Test256,
    ParamSet::Test512,
];

/// Curve constants: a, b, p, q, x, y (big-endian hex).
type Hex6 = [&'static str; 6];

const CP_A: Hex6 = [
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
    "A6",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
    "1",
    "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
];
const CP_B: Hex6 = [
    "8000000000000000000000000000000000000000000000000000000000000C96",
    "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
    "8000000000000000000000000000000000000000000000000000000000000C99",
    "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
    "1",
    "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
];
const CP_C: Hex6 = [
    "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
    "805A",
    "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
    "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
    "0",
    "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
];
const TC26_256A: Hex6 = [
    "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
    "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
    "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
    "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
    "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
];
const TEST_256: Hex6 = [
    "7",
    "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
    "8000000000000000000000000000000000000000000000000000000000000431",
    "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
    "2",
    "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
];
const TC26_512A: Hex6 = [
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
    "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
    "3",
    "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
];
const TC26_512B: Hex6 = [
    "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C",
    "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
    "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F",
    "800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
    "2",
    "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
];
const TC26_512C: Hex6 = [
    "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
    "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
    "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
    "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
    "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
];
const TEST_512: Hex6 = [
    "7",
    "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
    "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
    "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
    "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
    "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
];

fn curve<const L: usize>(cell: &'static OnceLock<Curve<L>>, c: &Hex6) -> &'static Curve<L> {
    cell.get_or_init(|| Curve::from_hex(c[0], c[1], c[2], c[3], c[4], c[5]))
}

/// A parameter set's curve, by size.
pub(crate) enum AnyCurve {
    C256(&'static Curve<4>),
    C512(&'static Curve<8>),
}

impl ParamSet {
    pub fn size(self) -> KeySize {
        match self {
            ParamSet::Tc26_512A | ParamSet::Tc26_512B | ParamSet::Tc26_512C | ParamSet::Test512 => {
                KeySize::Bits512
            }
            _ => KeySize::Bits256,
        }
    }

    /// The object identifier of the parameter set.
    pub fn oid(self) -> &'static str {
        match self {
            ParamSet::CryptoProA => "1.2.643.2.2.35.1",
            ParamSet::CryptoProB => "1.2.643.2.2.35.2",
            ParamSet::CryptoProC => "1.2.643.2.2.35.3",
            ParamSet::CryptoProXchA => "1.2.643.2.2.36.0",
            ParamSet::CryptoProXchB => "1.2.643.2.2.36.1",
            ParamSet::Tc26_256A => "1.2.643.7.1.2.1.1.1",
            ParamSet::Tc26_256B => "1.2.643.7.1.2.1.1.2",
            ParamSet::Tc26_256C => "1.2.643.7.1.2.1.1.3",
            ParamSet::Tc26_256D => "1.2.643.7.1.2.1.1.4",
            ParamSet::Tc26_512A => "1.2.643.7.1.2.1.2.1",
            ParamSet::Tc26_512B => "1.2.643.7.1.2.1.2.2",
            ParamSet::Tc26_512C => "1.2.643.7.1.2.1.2.3",
            ParamSet::Test256 => "1.2.643.2.2.35.0",
            ParamSet::Test512 => "1.2.643.7.1.2.1.2.0",
        }
    }

    pub fn from_oid(oid: &str) -> Option<Self> {
        ALL.into_iter().find(|p| p.oid() == oid)
    }

    /// The name `openssl genpkey -pkeyopt paramset:NAME` takes (test curves
    /// have none).
    pub fn openssl_name(self) -> Option<&'static str> {
        Some(match self {
            ParamSet::CryptoProA | ParamSet::Tc26_512A => "A",
            ParamSet::CryptoProB | ParamSet::Tc26_512B => "B",
            ParamSet::CryptoProC | ParamSet::Tc26_512C => "C",
            ParamSet::CryptoProXchA => "XA",
            ParamSet::CryptoProXchB => "XB",
            ParamSet::Tc26_256A => "TCA",
            ParamSet::Tc26_256B => "TCB",
            ParamSet::Tc26_256C => "TCC",
            ParamSet::Tc26_256D => "TCD",
            ParamSet::Test256 | ParamSet::Test512 => return None,
        })
    }

    /// A short name for people («TC26 256 A»).
    pub fn display_name(self) -> &'static str {
        match self {
            ParamSet::CryptoProA => "CryptoPro A",
            ParamSet::CryptoProB => "CryptoPro B",
            ParamSet::CryptoProC => "CryptoPro C",
            ParamSet::CryptoProXchA => "CryptoPro XchA",
            ParamSet::CryptoProXchB => "CryptoPro XchB",
            ParamSet::Tc26_256A => "TC26 256 A",
            ParamSet::Tc26_256B => "TC26 256 B",
            ParamSet::Tc26_256C => "TC26 256 C",
            ParamSet::Tc26_256D => "TC26 256 D",
            ParamSet::Tc26_512A => "TC26 512 A",
            ParamSet::Tc26_512B => "TC26 512 B",
            ParamSet::Tc26_512C => "TC26 512 C",
            ParamSet::Test256 => "test 256",
            ParamSet::Test512 => "test 512",
        }
    }

    pub(crate) fn curve(self) -> AnyCurve {
        static CPA: OnceLock<Curve<4>> = OnceLock::new();
        static CPB: OnceLock<Curve<4>> = OnceLock::new();
        static CPC: OnceLock<Curve<4>> = OnceLock::new();
        static TCA: OnceLock<Curve<4>> = OnceLock::new();
        static T256: OnceLock<Curve<4>> = OnceLock::new();
        static A512: OnceLock<Curve<8>> = OnceLock::new();
        static B512: OnceLock<Curve<8>> = OnceLock::new();
        static C512: OnceLock<Curve<8>> = OnceLock::new();
        static T512: OnceLock<Curve<8>> = OnceLock::new();
        match self {
            ParamSet::CryptoProA | ParamSet::CryptoProXchA | ParamSet::Tc26_256B => {
                AnyCurve::C256(curve(&CPA, &CP_A))
            }
            ParamSet::CryptoProB | ParamSet::Tc26_256C => AnyCurve::C256(curve(&CPB, &CP_B)),
            ParamSet::CryptoProC | ParamSet::CryptoProXchB | ParamSet::Tc26_256D => {
                AnyCurve::C256(curve(&CPC, &CP_C))
            }
            ParamSet::Tc26_256A => AnyCurve::C256(curve(&TCA, &TC26_256A)),
            ParamSet::Test256 => AnyCurve::C256(curve(&T256, &TEST_256)),
            ParamSet::Tc26_512A => AnyCurve::C512(curve(&A512, &TC26_512A)),
            ParamSet::Tc26_512B => AnyCurve::C512(curve(&B512, &TC26_512B)),
            ParamSet::Tc26_512C => AnyCurve::C512(curve(&C512, &TC26_512C)),
            ParamSet::Test512 => AnyCurve::C512(curve(&T512, &TEST_512)),
        }
    }
}
