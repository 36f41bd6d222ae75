import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import CertificateLogin from "./CertificateLogin.svelte";
import type { CertificateView, ContainerListing, SessionView } from "../lib/bindings";

const director: CertificateView = {
  holder: "Иванов Сергей Петрович",
  title: "Генеральный директор",
  organization: "ООО «Ромашка»",
  inn: null,
  inn_le: "7707083893",
  ogrn: "1027700132195",
  ogrnip: null,
  snils: "11223344595",
  issuer: "Демо УЦ",
  serial: "01",
  not_before: "2026-01-01T00:00:00Z",
  not_after: "2027-01-01T00:00:00Z",
  days_left: 200,
  status: "valid",
  algorithm: "ГОСТ Р 34.10-2012 (256)",
  can_sign: true,
  sha256: "CD",
};

const listing: ContainerListing = {
  searched: ["/media/director/FLASH"],
  containers: [
    { path: "/media/director/FLASH/old.000", name: "old", pin_set: false, certificate: null, algorithm: "ГОСТ Р 34.10-2012 (256)" },
    { path: "/media/director/FLASH/ivanov.000", name: "ivanov", pin_set: true, certificate: director, algorithm: "ГОСТ Р 34.10-2012 (256)" },
  ],
};

const session: SessionView = {
  user: { user_id: "u1", full_name: director.holder, email: "ivanov@romashka.demo", inn: null, snils: null },
  portal_url: "http://127.0.0.1:41000",
  online: true,
  last_org_id: null,
};

describe("CertificateLogin, CryptoPro containers", () => {
  it("lists the containers, picks one that can log in, and asks its PIN again after a wrong one", async () => {
    const opened: unknown[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: { pin?: string } } | undefined)?.args;
      if (cmd === "forget_key") return null;
      if (cmd === "key_containers") return listing;
      if (cmd === "open_container") {
        opened.push(args);
        if (args?.pin !== "4321") throw { code: "container.wrong_pin", message: "wrong PIN" };
        return director;
      }
      if (cmd === "login_certificate") return session;
      throw new Error(`unexpected ${cmd}`);
    });
    const onLoggedIn = vi.fn();
    const user = userEvent.setup();
    render(CertificateLogin, { onLoggedIn });

    await user.click(screen.getByTestId("source-container"));
    await waitFor(() => expect(screen.getAllByTestId("container")).toHaveLength(2));
    expect(screen.getByText("Сертификат не записан в контейнер — войти с ним нельзя.")).toBeTruthy();
    // The one with a certificate is chosen; its PIN is asked.
    const radios = screen.getAllByRole("radio") as HTMLInputElement[];
    expect(radios[1]?.checked).toBe(true);

    await user.type(screen.getByLabelText("PIN-код контейнера"), "1111");
    await user.click(screen.getByTestId("container-login"));
    await waitFor(() => expect(screen.getByTestId("cert-error").textContent).toContain("Неверный PIN-код контейнера."));
    expect((screen.getByLabelText("PIN-код контейнера") as HTMLInputElement).value).toBe("");
    expect(onLoggedIn).not.toHaveBeenCalled();

    await user.type(screen.getByLabelText("PIN-код контейнера"), "4321{Enter}");
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(session));
    expect(opened).toEqual([
      { path: "/media/director/FLASH/ivanov.000", pin: "1111" },
      { path: "/media/director/FLASH/ivanov.000", pin: "4321" },
    ]);
  });

  it("says where it looked when there are no containers", async () => {
    mockIPC((cmd) => {
      if (cmd === "forget_key") return null;
      if (cmd === "key_containers") return { searched: ["/var/opt/cprocsp/keys/buh"], containers: [] };
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(CertificateLogin, { onLoggedIn: vi.fn() });
    await user.click(screen.getByTestId("source-container"));
    await waitFor(() => expect(screen.getByTestId("no-containers")).toBeTruthy());
    expect(screen.getByText("Искали в: /var/opt/cprocsp/keys/buh")).toBeTruthy();
  });
});
