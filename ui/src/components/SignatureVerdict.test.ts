import { describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import SignatureVerdict from "./SignatureVerdict.svelte";
import { qualified } from "../lib/checks.fixture";

describe("SignatureVerdict", () => {
  it("is green and says why only when valid", () => {
    render(SignatureVerdict, { check: qualified() });
    const v = screen.getByTestId("verdict");
    expect(v.dataset.verdict).toBe("valid");
    expect(v.textContent).toContain("Квалифицированная подпись действительна");
    expect(screen.getByTestId("verdict-revocation").textContent).toContain(
      "Сведения об отзыве: список отзыва УЦ «Демо УЦ» от 07.12.2026",
    );
    expect(v.textContent).toContain("со слов подписанта");
  });

  it("names an expired certificate without a timestamp, and a revoked one", () => {
    const { unmount } = render(SignatureVerdict, {
      check: qualified({
        verdict: "indeterminate",
        certificate_at_signing: "expired",
        certificate_now: "expired",
        problems: ["sig.cert_expired_no_proof"],
      }),
    });
    // Issued by an accredited CA: the trust is there, the validity is not.
    expect(screen.getByTestId("verdict").textContent).toContain(
      "Подпись не изменена, но её действительность не установлена",
    );
    expect(screen.getByTestId("verdict-reason").textContent).toContain("не подтверждено штампом времени");
    unmount();
    render(SignatureVerdict, {
      check: qualified({
        verdict: "invalid",
        certificate_at_signing: "revoked",
        problems: ["sig.revoked"],
        revocation: { ...qualified().revocation!, revoked_at: "2026-12-01T10:00:00Z" },
      }),
    });
    expect(screen.getByTestId("verdict").dataset.verdict).toBe("invalid");
    expect(screen.getByTestId("verdict").textContent).toContain("Подпись недействительна");
    expect(screen.getByTestId("verdict-revocation").textContent).toContain("Сертификат отозван 01.12.2026");
  });

  it("names the time a stamp proves, and its service", () => {
    render(SignatureVerdict, {
      check: qualified({
        time: { kind: "proven", at: "2026-12-03T07:29:00Z", tsa: "Служба штампов времени" },
        judged_at: "2026-12-03T07:29:00Z",
      }),
    });
    const text = screen.getByTestId("verdict").textContent ?? "";
    expect(text).toContain("на момент подписания 03.12.2026");
    expect(text).toContain("время подтверждено штампом времени «Служба штампов времени»");
    expect(text).toContain("подтверждено штампом времени");
    expect(text).not.toContain("со слов подписанта");
  });

  it("says when nothing was said of revocation", () => {
    render(SignatureVerdict, {
      check: qualified({ verdict: "indeterminate", revocation: null, problems: ["revocation.unknown"] }),
    });
    expect(screen.getByTestId("verdict-revocation").textContent).toContain("Сведений об отзыве сертификата нет");
  });

  it("names a long-term form and an OCSP answer, and long-term data changed afterwards", () => {
    render(SignatureVerdict, {
      check: qualified({
        level: "x_long_type1",
        revocation: {
          source: "ocsp",
          issuer: "OCSP-служба УЦ",
          this_update: "2026-12-03T07:35:00Z",
          next_update: null,
          revoked_at: null,
          age_hours: 99,
        },
      }),
    });
    expect(screen.getByTestId("verdict-level").textContent).toContain("CAdES-X Long Type 1");
    expect(screen.getByTestId("verdict-revocation").textContent).toContain("ответ OCSP-службы «OCSP-служба УЦ»");
    cleanup();
    render(SignatureVerdict, {
      check: qualified({ verdict: "indeterminate", level: "x_long_type1", problems: ["sig.long_term_broken"] }),
    });
    expect(screen.getByTestId("verdict-reason").textContent).toContain("изменены после штампа времени");
  });
});
