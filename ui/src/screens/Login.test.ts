import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Login from "./Login.svelte";
import type { AppInfo, CertificateView, SessionView } from "../lib/bindings";

const info: AppInfo = {
  version: "0.1.0",
  portal_url: "http://127.0.0.1:41000",
  embedded_demo: true,
  lock_seconds: 900,
  theme: "system",
  language: "ru",
  demo: {
    users: [{ login: "buh@romashka.demo", password: "Buh-2026", full_name: "Петрова Анна Викторовна", role: "Бухгалтер" }],
    certificates: [],
  },
};

const accountantCert: CertificateView = {
  holder: "Петрова Анна Викторовна",
  title: "Главный бухгалтер",
  organization: "ООО «Ромашка»",
  inn: "770587654321",
  inn_le: "7707083893",
  ogrn: "1027700132195",
  ogrnip: null,
  snils: "15678901279",
  issuer: "Демо УЦ",
  serial: "1A2B",
  not_before: "2025-12-17T10:00:00Z",
  not_after: "2026-12-12T10:00:00Z",
  days_left: 20,
  status: "expires_soon",
  algorithm: "RSA 2048",
  can_sign: true,
  sha256: "AB",
};

const session: SessionView = {
  user: { user_id: "u1", full_name: "Петрова Анна Викторовна", email: "buh@romashka.demo", inn: null, snils: null },
  portal_url: info.portal_url,
  online: true,
  last_org_id: null,
};

describe("Login", () => {
  it("logs in with password, then the demo SMS code", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "login_password")
        return { step: "need_code", ticket: "olt_1", channel: "sms", destination: "+7 *** ***-**-21", expires_at: "2026-11-22T12:05:00Z" };
      if (cmd === "demo_sms") return { phone: "+79167654321", code: "482913", sent_at: "2026-11-22T12:00:00Z" };
      if (cmd === "submit_code") return session;
      throw new Error(`unexpected ${cmd}`);
    });
    const onLoggedIn = vi.fn();
    const user = userEvent.setup();
    render(Login, { info, onLoggedIn });

    await user.click(screen.getByRole("button", { name: "Подставить" }));
    expect(screen.getByLabelText("ИНН, ОГРН или e-mail")).toHaveProperty("value", "buh@romashka.demo");
    await user.click(screen.getByRole("button", { name: "Войти" }));

    expect(await screen.findByText("Подтверждение входа")).toBeTruthy();
    const lead = screen.getByText(/\+7 \*\*\* \*\*\*-\*\*-21/);
    // The masked number never breaks across lines.
    expect(lead.textContent).toContain("+7\u00a0***\u00a0***-**-21");
    const demoCode = await screen.findByTestId("demo-code");
    expect(demoCode.textContent).toBe("482913");

    await user.type(screen.getByLabelText("Код подтверждения"), "482913");
    await user.click(screen.getByRole("button", { name: "Подтвердить" }));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(session));
    expect(calls.find((c) => c.cmd === "login_password")?.args).toEqual({ login: "buh@romashka.demo", password: "Buh-2026" });
    expect(calls.find((c) => c.cmd === "submit_code")?.args).toEqual({ ticket: "olt_1", code: "482913" });
  });

  it("shows a Russian message with attempts left for a wrong password", async () => {
    mockIPC(() => {
      throw { code: "auth.invalid_credentials", message: "wrong", field: null, locked_until: null, attempts_left: 2 };
    });
    const user = userEvent.setup();
    render(Login, { info: { ...info, demo: null }, onLoggedIn: vi.fn() });
    await user.type(screen.getByLabelText("ИНН, ОГРН или e-mail"), "7704123456");
    await user.type(screen.getByLabelText("Пароль"), "nope");
    await user.keyboard("{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Неверный логин или пароль. Осталось попыток: 2.");
    expect(screen.getByLabelText("Пароль").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("demo-panel")).toBeNull();
  });

  it("says until when a locked login stays locked", async () => {
    mockIPC(() => {
      throw { code: "auth.locked", message: "locked", field: null, locked_until: "2026-11-22T09:15:00Z", attempts_left: null };
    });
    const user = userEvent.setup();
    render(Login, { info, onLoggedIn: vi.fn() });
    await user.type(screen.getByLabelText("ИНН, ОГРН или e-mail"), "buh@romashka.demo");
    await user.type(screen.getByLabelText("Пароль"), "x");
    await user.keyboard("{Enter}");
    const alert = await screen.findByRole("alert");
    const local = new Date("2026-11-22T09:15:00Z");
    const hh = String(local.getHours()).padStart(2, "0");
    const mm = String(local.getMinutes()).padStart(2, "0");
    expect(alert.textContent).toContain("Вход временно заблокирован");
    expect(alert.textContent).toContain(`22.11.2026 в ${hh}:${mm}`);
  });

  it("returns to the password step when the code expired", async () => {
    mockIPC((cmd) => {
      if (cmd === "login_password")
        return { step: "need_code", ticket: "olt_2", channel: "totp", destination: null, expires_at: "2026-11-22T12:05:00Z" };
      throw { code: "auth.otp_expired", message: "expired", field: null, locked_until: null, attempts_left: null };
    });
    const user = userEvent.setup();
    render(Login, { info: { ...info, demo: null }, onLoggedIn: vi.fn() });
    await user.type(screen.getByLabelText("ИНН, ОГРН или e-mail"), "a@b.ru");
    await user.type(screen.getByLabelText("Пароль"), "x");
    await user.keyboard("{Enter}");
    expect(await screen.findByText(/приложения-аутентификатора/)).toBeTruthy();
    await user.type(screen.getByLabelText("Код подтверждения"), "123456{Enter}");
    expect((await screen.findByRole("alert")).textContent).toContain("Срок действия кода истёк");
    expect(screen.getByRole("button", { name: "Войти" })).toBeTruthy();
  });

  it("logs in with a demo .pfx: the certificate is shown first, with its expiry warning", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let passwordTries = 0;
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "demo_certificates")
        return [{ path: "/data/demo-certificates/accountant.pfx", password: "Buh-KEP", holder: "Петрова Анна Викторовна", description: "Бухгалтер", expired: false }];
      if (cmd === "open_pfx") {
        passwordTries += 1;
        if (passwordTries === 1)
          throw { code: "pfx.wrong_password", message: "mac", field: null, locked_until: null, attempts_left: null };
        return accountantCert;
      }
      if (cmd === "login_certificate") return session;
      throw new Error(`unexpected ${cmd}`);
    });
    const onLoggedIn = vi.fn();
    const user = userEvent.setup();
    render(Login, { info, onLoggedIn });

    await user.click(screen.getByRole("tab", { name: "Электронная подпись" }));
    await user.type(await screen.findByLabelText("Путь к файлу .pfx или .p12"), "/tmp/x.pfx");
    await user.type(screen.getByLabelText("Пароль контейнера"), "wrong{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Неверный пароль контейнера или файл повреждён.");
    expect(screen.getByLabelText("Пароль контейнера").getAttribute("aria-invalid")).toBe("true");

    await user.click(await screen.findByTestId("demo-cert-use"));
    expect(screen.getByLabelText("Путь к файлу .pfx или .p12")).toHaveProperty("value", "/data/demo-certificates/accountant.pfx");
    await user.click(screen.getByRole("button", { name: "Показать сертификат" }));
    const card = await screen.findByTestId("certificate-card");
    expect(card.textContent).toContain("ООО «Ромашка»");
    expect(screen.getByTestId("certificate-status").textContent).toBe(
      "Истекает через 20 дней — закажите новый сертификат",
    );
    await user.click(screen.getByTestId("cert-login"));
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(session));
    expect(calls.filter((c) => c.cmd === "open_pfx").at(-1)?.args).toEqual({
      path: "/data/demo-certificates/accountant.pfx",
      password: "Buh-KEP",
    });
  });

  it("explains an expired certificate in Russian", async () => {
    mockIPC((cmd) => {
      if (cmd === "open_pfx") return { ...accountantCert, status: "expired", days_left: -35, not_after: "2026-10-18T10:00:00Z" };
      if (cmd === "login_certificate")
        throw { code: "cert.expired", message: "expired", field: null, locked_until: null, attempts_left: null };
      if (cmd === "forget_key" || cmd === "demo_certificates") return null;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Login, { info: { ...info, demo: null }, onLoggedIn: vi.fn() });
    await user.click(screen.getByRole("tab", { name: "Электронная подпись" }));
    await user.type(await screen.findByLabelText("Путь к файлу .pfx или .p12"), "/tmp/old.pfx");
    await user.type(screen.getByLabelText("Пароль контейнера"), "pw{Enter}");
    expect((await screen.findByTestId("certificate-status")).textContent).toBe("Срок действия истёк 18.10.2026");
    await user.click(screen.getByTestId("cert-login"));
    expect((await screen.findByRole("alert")).textContent).toContain("Срок действия сертификата истёк.");
  });

  it("logs in with a token: certificates listed without a PIN, the PIN asked once", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let pinTries = 0;
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "forget_key") return null;
      if (cmd === "token_certificates")
        return {
          modules: [{ name: "Рутокен", path: "/usr/lib/librtpkcs11ecp.so" }],
          module: "/usr/lib/librtpkcs11ecp.so",
          certificates: [
            { slot: "1723658467", token_label: "Рутокен ЭЦП", key_id: "a1", certificate: { ...accountantCert, status: "valid", days_left: 300 } },
          ],
        };
      if (cmd === "open_token") {
        pinTries += 1;
        if (pinTries === 1)
          throw { code: "token.wrong_pin", message: "pin", field: null, locked_until: null, attempts_left: null };
        return accountantCert;
      }
      if (cmd === "login_certificate") return session;
      throw new Error(`unexpected ${cmd}`);
    });
    const onLoggedIn = vi.fn();
    const user = userEvent.setup();
    render(Login, { info: { ...info, demo: null }, onLoggedIn });
    await user.click(screen.getByRole("tab", { name: "Электронная подпись" }));
    await user.click(screen.getByRole("tab", { name: "Токен" }));
    expect((await screen.findByText("Токен «Рутокен ЭЦП»"))).toBeTruthy();
    await user.type(screen.getByLabelText("PIN-код токена"), "0000{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Неверный PIN-код токена.");
    expect(screen.getByLabelText("PIN-код токена").getAttribute("aria-invalid")).toBe("true");
    await user.type(screen.getByLabelText("PIN-код токена"), "12345678{Enter}");
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(session));
    expect(calls.filter((c) => c.cmd === "open_token").at(-1)?.args).toEqual({
      module: "/usr/lib/librtpkcs11ecp.so",
      slot: "1723658467",
      key_id: "a1",
      pin: "12345678",
    });
  });
});
