//! Requisites typed by anyone (ИНН, ОГРН, КПП, СНИЛС, БИК, accounts, УИН,
//! e-mail, address, control characters): each validator answers, never a
//! panic, and what it accepts is ASCII digits where digits are asked for.
#![no_main]

use cabinet_api::requisites as r;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for (ok, digits) in [
        (r::validate_inn(&s).is_ok(), true),
        (r::validate_ogrn(&s).is_ok(), true),
        (r::validate_ogrnip(&s).is_ok(), true),
        (r::validate_snils(&s).is_ok(), false),
        (r::validate_uin(&s).is_ok(), true),
        (r::validate_bik(&s).is_ok(), true),
        (r::validate_kpp(&s).is_ok(), false),
    ] {
        if ok && digits {
            assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s:?}");
        }
    }
    let _ = r::validate_email(&s);
    let _ = r::validate_address(&s);
    if let Some((a, b)) = s.split_once(' ') {
        let _ = r::validate_settlement_account(a, b);
        let _ = r::validate_correspondent_account(a, b);
    }
    let _ = cabinet_api::text::is_clean(&s, false);
});
