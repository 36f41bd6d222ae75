//! `cabinet validate KIND VALUE`: exit code and message, no portal needed.

use std::process::Command;

fn validate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cabinet"))
        .arg("validate")
        .args(args)
        .env_remove("CABINET_PORTAL_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

#[test]
fn valid_values_exit_zero_and_print_the_normalised_value() {
    assert_eq!(validate(&["inn", "7707083893"]).0, 0);
    assert_eq!(validate(&["ogrn", "1027700132195"]).0, 0);
    assert_eq!(validate(&["snils", "112-233-445 95"]).0, 0);
    assert_eq!(
        validate(&["corr-account", "30101810400000000225", "--bik", "044525225"]).0,
        0
    );
    let (code, out, _) = validate(&["phone", "8 (916) 123-45-67"]);
    assert_eq!((code, out.as_str()), (0, "+7 916 123-45-67"));
}

#[test]
fn invalid_values_exit_one_with_a_stable_code() {
    let (code, _, err) = validate(&["inn", "7707083894"]);
    assert_eq!(code, 1);
    assert!(err.contains("[inn.checksum]"), "{err}");
    let (code, _, err) = validate(&["kpp", "77360"]);
    assert_eq!(code, 1);
    assert!(err.contains("[kpp.length]"), "{err}");
    let (code, _, err) = validate(&["account", "40702810938000000001"]);
    assert_eq!(code, 2, "the BIK is required: {err}");
}
