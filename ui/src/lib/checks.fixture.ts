// Judgements of a signature as the core sends them, for the window's unit
// tests (not bundled: only tests import it).
import type { CertificateView, SignatureCheck } from "./bindings";

export const signerCert: CertificateView = {
  holder: "Иванов Сергей Петрович",
  title: "Генеральный директор",
  organization: "ООО «Ромашка»",
  inn: "770498765403",
  inn_le: "7704123450",
  ogrn: "1157746123457",
  ogrnip: null,
  snils: "11223344595",
  issuer: "Демо УЦ",
  serial: "01",
  not_before: "2026-11-21T10:00:00Z",
  not_after: "2027-11-22T10:00:00Z",
  days_left: 364,
  status: "valid",
  algorithm: "ГОСТ Р 34.10-2012 (256 бит)",
  can_sign: true,
  sha256: "F1",
};

/** A qualified signature, valid, checked now. */
export function qualified(over: Partial<SignatureCheck> = {}): SignatureCheck {
  return {
    certificate: signerCert,
    algorithm: "ГОСТ Р 34.10-2012 (256 бит)",
    level: "bes",
    intact: true,
    trust: "qualified",
    authority: {
      name: "АО «Демо УЦ ОргКабинета»",
      short_name: "АО «Демо УЦ»",
      inn: "7701000014",
      ogrn: "1207700000010",
      registry_number: "0001",
      accreditation_ended: null,
    },
    judged_at: "2026-12-07T10:29:00Z",
    checked_at: "2026-12-07T10:29:00Z",
    certificate_at_signing: "valid",
    certificate_now: "valid",
    revocation: {
      source: "crl",
      issuer: "Демо УЦ",
      this_update: "2026-12-07T07:00:00Z",
      next_update: "2027-12-07T07:00:00Z",
      revoked_at: null,
      age_hours: 3,
    },
    time: { kind: "claimed", at: "2026-12-07T09:00:00Z", tsa: null },
    verdict: "valid",
    problems: [],
    ...over,
  };
}

/** Intact, but by a CA on no list. */
export function untrusted(): SignatureCheck {
  return qualified({ trust: "untrusted", authority: null, verdict: "indeterminate", problems: ["sig.untrusted"] });
}
