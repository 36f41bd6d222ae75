import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Signatures from "./Signatures.svelte";
import type { CertificateView, MyCertificate } from "../lib/bindings";
import { qualified, signerCert } from "../lib/checks.fixture";

const cert: CertificateView = { ...signerCert, algorithm: "RSA 2048" };
const mine: MyCertificate = { certificate: cert, source: "pfx", location: "/home/u/director.pfx", key_id: null };

describe("Signatures", () => {
  it("signs a batch with one password and verifies a signature", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "my_certificates") return [mine];
      if (cmd === "own_roots") return [];
      if (cmd === "sign_files")
        return [
          { file: "/tmp/a.pdf", signature: "/tmp/a.pdf.sig" },
          { file: "/tmp/b.pdf", signature: "/tmp/b.pdf.sig" },
        ];
      if (cmd === "verify_file") {
        const a = args as { file: string };
        if (a.file === "/tmp/b.pdf")
          throw { code: "sig.content_changed", message: "changed", field: null, locked_until: null, attempts_left: null };
        return [qualified({ certificate: cert })];
      }
      if (cmd === "trust_status")
        return {
          present: true,
          version: 7,
          date: "2026-12-07T07:00:00Z",
          fetched_at: "2026-12-07T08:00:00Z",
          checked_at: "2026-12-07T08:00:00Z",
          authorities: 3,
          accredited_now: 2,
          crls: 1,
        };
      if (cmd === "save_signed_content") return 1234;
      if (cmd.startsWith("plugin:event")) return 1;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Signatures, { onBack: vi.fn() });

    expect(await screen.findByText("Файл: /home/u/director.pfx")).toBeTruthy();
    await user.type(screen.getByLabelText("Файлы (по одному пути в строке)"), "/tmp/a.pdf\n/tmp/b.pdf");
    await user.type(screen.getByLabelText("Пароль контейнера", { selector: "#sign-secret" }), "Director-KEP");
    await user.click(screen.getByRole("button", { name: "Подписать" }));
    expect((await screen.findByTestId("sign-result")).textContent).toBe("Готово: подписано файлов — 2.");
    expect(screen.getByTestId("sign-progress").textContent).toContain("Подписано 2 из 2");
    expect(calls.find((c) => c.cmd === "sign_files")?.args).toEqual({
      sha256: "F1",
      files: ["/tmp/a.pdf", "/tmp/b.pdf"],
      cosign: false,
      secret: "Director-KEP",
    });

    await user.type(screen.getByLabelText(/^Подписанный файл/), "/tmp/a.pdf");
    await user.click(screen.getByRole("button", { name: "Проверить" }));
    expect((await screen.findByTestId("verify-ok")).textContent).toBe("Проверено подписантов: 1.");
    expect(screen.getByTestId("signer").textContent).toContain(
      "Квалифицированная подпись действительна",
    );
    expect(screen.getByTestId("verdict-reason").textContent).toContain(
      "Сертификат выдан аккредитованным УЦ «АО «Демо УЦ»», действовал и не был отозван на момент проверки",
    );
    expect(screen.getByTestId("trust-list").textContent).toContain("Проверка по списку аккредитованных УЦ от 07.12.2026");

    await user.clear(screen.getByLabelText(/^Подписанный файл/));
    await user.type(screen.getByLabelText(/^Подписанный файл/), "/tmp/b.pdf");
    await user.click(screen.getByRole("button", { name: "Проверить" }));
    expect((await screen.findByTestId("verify-error")).textContent).toBe(
      "Файл изменён после подписания: подпись к нему не подходит.",
    );
    expect(screen.queryByTestId("save-signed-content")).toBeNull();

    // A signature chosen alone holds its document, which can be saved.
    await user.clear(screen.getByLabelText(/^Подписанный файл/));
    await user.type(screen.getByLabelText(/^Подписанный файл/), "/tmp/act.pdf.p7s");
    await user.click(screen.getByRole("button", { name: "Проверить" }));
    await screen.findByTestId("verify-ok");
    expect(calls.filter((c) => c.cmd === "verify_file").at(-1)?.args).toEqual({ file: "/tmp/act.pdf.p7s", signature: null });
    expect((screen.getByTestId("save-content-path") as HTMLInputElement).value).toBe("/tmp/act.pdf");
    await user.click(screen.getByTestId("save-signed-content"));
    expect((await screen.findByTestId("saved-content")).textContent).toBe(
      "Документ из подписи сохранён: /tmp/act.pdf (1234 байт).",
    );
    expect(calls.find((c) => c.cmd === "save_signed_content")?.args).toEqual({
      signature: "/tmp/act.pdf.p7s",
      target: "/tmp/act.pdf",
    });
  });

  it("removes a certificate only after an inline confirmation", async () => {
    let list = [mine];
    mockIPC((cmd) => {
      if (cmd === "my_certificates") return list;
      if (cmd === "own_roots") return [];
      if (cmd === "remove_certificate") {
        list = [];
        return null;
      }
      if (cmd.startsWith("plugin:event")) return 1;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Signatures, { onBack: vi.fn() });
    await user.click(await screen.findByRole("button", { name: "Удалить" }));
    await user.click(screen.getByRole("button", { name: "Оставить" }));
    expect(list.length).toBe(1);
    await user.click(screen.getByRole("button", { name: "Удалить" }));
    const buttons = screen.getAllByRole("button", { name: "Удалить" });
    await user.click(buttons[buttons.length - 1]!);
    await waitFor(() => expect(screen.getByTestId("my-certificates").textContent).toContain("Сертификатов пока нет"));
  });
  it("adds a CryptoPro container found on the computer and asks its PIN to sign", async () => {
    const container = { ...cert, sha256: "C2", algorithm: "ГОСТ Р 34.10-2012 (256)" };
    let list: MyCertificate[] = [mine];
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "my_certificates") return list;
      if (cmd === "own_roots") return [];
      if (cmd === "key_containers")
        return {
          searched: ["/media/u/FLASH"],
          containers: [
            { path: "/media/u/FLASH/ivanov.000", name: "ivanov", pin_set: true, certificate: container, algorithm: container.algorithm },
            { path: "/media/u/FLASH/empty.000", name: "empty", pin_set: false, certificate: null, algorithm: container.algorithm },
          ],
        };
      if (cmd === "add_container_certificate") {
        const added = { certificate: container, source: "container", location: "/media/u/FLASH/ivanov.000", key_id: null };
        list = [mine, added];
        return added;
      }
      if (cmd.startsWith("plugin:event")) return 1;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Signatures, { onBack: vi.fn() });

    // Only the container with a certificate is offered.
    const found = await screen.findAllByTestId("found-container");
    expect(found).toHaveLength(1);
    expect(found[0]?.textContent).toContain("Контейнер КриптоПро «ivanov»");
    await user.click(within(found[0]!).getByRole("button", { name: "Добавить" }));
    expect(await screen.findByText("Контейнер КриптоПро: /media/u/FLASH/ivanov.000")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "add_container_certificate")?.args).toEqual({ path: "/media/u/FLASH/ivanov.000" });
    // Added, it is no longer offered, and signing with it asks the container's PIN.
    await waitFor(() => expect(screen.queryAllByTestId("found-container")).toHaveLength(0));
    expect(screen.getByLabelText("PIN-код контейнера", { selector: "#sign-secret" })).toBeTruthy();
  });

  it("trusts a CA on purpose, with its fingerprint, and stops on confirmation", async () => {
    const partner: CertificateView = { ...signerCert, holder: "УЦ партнёра", sha256: "AB".repeat(32) };
    let kept: CertificateView[] = [];
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: unknown } | undefined)?.args;
      calls.push({ cmd, args });
      if (cmd === "my_certificates") return [];
      if (cmd === "own_roots") return kept;
      if (cmd === "add_own_root") {
        if ((args as { path: string }).path === "/tmp/bad.cer")
          throw { code: "cert.malformed", message: "bad", field: null, locked_until: null, attempts_left: null };
        kept = [partner];
        return partner;
      }
      if (cmd === "remove_own_root") {
        kept = [];
        return null;
      }
      if (cmd === "trust_status") return { present: false, version: null, date: null, fetched_at: null, checked_at: null, authorities: 0, accredited_now: 0, crls: 0 };
      if (cmd === "key_containers") return { containers: [], searched: [] };
      if (cmd.startsWith("plugin:event")) return 1;
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Signatures, { onBack: vi.fn() });
    expect(await screen.findByTestId("own-roots-empty")).toBeTruthy();
    const path = screen.getByLabelText("Файл сертификата удостоверяющего центра");
    await user.type(path, "/tmp/bad.cer");
    await user.click(screen.getByTestId("own-root-add"));
    expect((await screen.findByTestId("own-root-error")).textContent).not.toBe("");
    await user.clear(path);
    await user.type(path, "/tmp/partner.cer");
    await user.click(screen.getByTestId("own-root-add"));
    expect((await screen.findByTestId("own-root-note")).textContent).toBe("Теперь вы доверяете «УЦ партнёра»");
    const row = screen.getByTestId("own-root");
    expect(row.textContent).toContain(`Отпечаток SHA-256: ${"AB".repeat(32)}`);
    await user.click(within(row).getByTestId("own-root-remove"));
    expect(calls.some((c) => c.cmd === "remove_own_root")).toBe(false);
    await user.click(within(row).getByRole("button", { name: "Не доверять" }));
    await waitFor(() => expect(screen.queryByTestId("own-root")).toBeNull());
    expect(calls.find((c) => c.cmd === "remove_own_root")?.args).toEqual({ sha256: "AB".repeat(32) });
  });
});
