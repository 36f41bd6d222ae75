import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Settings from "./Settings.svelte";
import type { SettingsView } from "../lib/bindings";

const stored = (): SettingsView => ({
  local: { lock_minutes: 15, prefetch: { scope: { scope: "recent", days: 30 }, cap_bytes: 500 * 1048576 }, theme: "system", language: "ru" },
  config_file: "/home/buh/.config/orgcabinet/config.toml",
  lock_fixed: false,
});

describe("Settings", () => {
  it("saves the lock and the offline policy to this computer and applies the lock", async () => {
    let view = stored();
    const saved: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "settings") return view;
      if (cmd === "save_settings") {
        const { settings } = (args as { args: { settings: SettingsView["local"] } }).args;
        saved.push(settings);
        view = { ...view, local: settings };
        return view;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const onLockChanged = vi.fn();
    const user = userEvent.setup();
    render(Settings, { onLockChanged });
    const save = await screen.findByTestId("settings-save");
    expect((save as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Хранятся в /home/buh/.config/orgcabinet/config.toml")).toBeTruthy();

    await user.selectOptions(screen.getByTestId("lock-minutes"), "5");
    const daysField = screen.getByTestId("prefetch-days");
    await user.clear(daysField);
    await user.type(daysField, "7");
    await user.clear(screen.getByTestId("prefetch-cap"));
    await user.type(screen.getByTestId("prefetch-cap"), "50");
    await user.click(save);
    await screen.findByTestId("settings-saved");
    expect(saved).toEqual([
      { lock_minutes: 5, prefetch: { scope: { scope: "recent", days: 7 }, cap_bytes: 50 * 1048576 }, theme: "system", language: "ru" },
    ]);
    expect(onLockChanged).toHaveBeenCalledTimes(1);

    // Only the policy this time: the lock timer stays as it is.
    await user.click(screen.getByTestId("prefetch-none"));
    expect((screen.getByTestId("prefetch-days") as HTMLInputElement).disabled).toBe(true);
    await user.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(saved.length).toBe(2));
    expect(saved[1]).toEqual({ lock_minutes: 5, prefetch: { scope: { scope: "none" }, cap_bytes: 50 * 1048576 }, theme: "system", language: "ru" });
    expect(onLockChanged).toHaveBeenCalledTimes(1);
  });

  it("shows the versions to quote to support", async () => {
    mockIPC((cmd) => {
      if (cmd === "settings") return stored();
      if (cmd === "about")
        return {
          app_version: "0.1.0",
          tauri_version: "2.12.5",
          webview_version: "2.48.1",
          portal_url: "http://127.0.0.1:8787",
          trust_list_version: 7,
          trust_list_date: "2026-12-07T07:00:00Z",
        };
      throw new Error(`unexpected ${cmd}`);
    });
    render(Settings, {});
    const about = await screen.findByTestId("about");
    expect(about.textContent).toContain("О программе");
    expect(screen.getByTestId("about-version").textContent).toBe("0.1.0");
    expect(about.textContent).toContain("2.48.1");
    expect(about.textContent).toContain("http://127.0.0.1:8787");
    expect(screen.getByTestId("about-tsl").textContent).toContain("версия 7 от 07.12.2026");
  });

  it("keeps the dark look on this computer and applies it once saved", async () => {
    let view = stored();
    mockIPC((cmd, args) => {
      if (cmd === "settings") return view;
      if (cmd === "save_settings") {
        view = { ...view, local: (args as { args: { settings: SettingsView["local"] } }).args.settings };
        return view;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const onThemeChanged = vi.fn();
    const user = userEvent.setup();
    render(Settings, { onThemeChanged });
    await user.click(await screen.findByTestId("theme-dark"));
    expect(onThemeChanged).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(onThemeChanged).toHaveBeenCalledWith("dark"));
    expect(view.local.theme).toBe("dark");
  });

  it("changes the password with the current one and marks a wrong one", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "settings") return { ...stored(), lock_fixed: true };
      if (cmd === "change_password") {
        const a = (args as { args: { current_password: string; new_password: string } }).args;
        asked.push(a);
        if (a.current_password !== "Old-pass-1")
          throw { code: "auth.wrong_password", message: "", field: "current_password", locked_until: null, attempts_left: 4 };
        return null;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(Settings);
    // A lock fixed by the administrator cannot be changed here.
    expect((await screen.findByTestId("lock-minutes") as HTMLSelectElement).disabled).toBe(true);

    await user.type(screen.getByLabelText("Текущий пароль"), "Guess-1");
    await user.type(screen.getByLabelText("Новый пароль"), "Новый-2026");
    await user.type(screen.getByLabelText("Повторите пароль"), "Новый-2025");
    expect(screen.getByText("Пароли не совпадают.")).toBeTruthy();
    expect((screen.getByTestId("password-submit") as HTMLButtonElement).disabled).toBe(true);
    await user.clear(screen.getByLabelText("Повторите пароль"));
    await user.type(screen.getByLabelText("Повторите пароль"), "Новый-2026");
    await user.click(screen.getByTestId("password-submit"));
    expect((await screen.findByTestId("password-error")).textContent).toBe(
      "Текущий пароль введён неверно. Осталось попыток: 4.",
    );
    expect(screen.getByLabelText("Текущий пароль").getAttribute("aria-invalid")).toBe("true");

    await user.clear(screen.getByLabelText("Текущий пароль"));
    await user.type(screen.getByLabelText("Текущий пароль"), "Old-pass-1");
    await user.click(screen.getByTestId("password-submit"));
    await screen.findByTestId("password-changed");
    expect((screen.getByLabelText("Текущий пароль") as HTMLInputElement).value).toBe("");
    expect((screen.getByLabelText("Новый пароль") as HTMLInputElement).value).toBe("");
    expect(asked).toEqual([
      { current_password: "Guess-1", new_password: "Новый-2026" },
      { current_password: "Old-pass-1", new_password: "Новый-2026" },
    ]);
  });

  it("sends the notification channels the user ticks, and only online", async () => {
    const kinds = ["status", "requirement", "charge", "payment", "system"] as const;
    let items = kinds.map((kind) => ({ kind, desktop: true, email: kind !== "system", sms: kind === "requirement" }));
    const saved: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "settings") return stored();
      if (cmd === "notification_settings") return { items };
      if (cmd === "save_notification_settings") {
        const { settings } = (args as { args: { settings: { items: typeof items } } }).args;
        saved.push(settings);
        items = settings.items;
        return { items };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    const { rerender } = render(Settings, { online: true });
    const statusDesktop = await screen.findByLabelText("На рабочий стол: Смена статуса заявления");
    const save = screen.getByTestId("notifications-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await user.click(statusDesktop);
    await user.click(screen.getByTestId("channel-charge-sms"));
    await user.click(save);
    await screen.findByTestId("notifications-saved");
    expect(saved).toEqual([
      {
        items: [
          { kind: "status", desktop: false, email: true, sms: false },
          { kind: "requirement", desktop: true, email: true, sms: true },
          { kind: "charge", desktop: true, email: true, sms: true },
          { kind: "payment", desktop: true, email: true, sms: false },
          { kind: "system", desktop: true, email: false, sms: false },
        ],
      },
    ]);
    await rerender({ online: false });
    expect(screen.getByTestId("notifications-offline").textContent).toContain("Нет связи");
    expect((screen.getByTestId("channel-payment-email") as HTMLInputElement).disabled).toBe(true);
    // Nor the password.
    await user.type(screen.getByLabelText("Текущий пароль"), "Buh-2026");
    await user.type(screen.getByLabelText("Новый пароль"), "Buh-2027x");
    expect((screen.getByTestId("password-submit") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/пароль можно сменить, когда связь появится/)).toBeTruthy();
  });
});
