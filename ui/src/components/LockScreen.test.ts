import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import LockScreen from "./LockScreen.svelte";

describe("LockScreen", () => {
  it("counts wrong passwords down and unlocks with the right one", async () => {
    let left = 4;
    mockIPC((cmd, args) => {
      if (cmd !== "unlock_session") throw new Error(`unexpected ${cmd}`);
      const { password } = (args as { args: { password: string } }).args;
      if (password === "Buh-2026") return null;
      throw { code: "session.unlock_failed", message: "wrong", field: null, locked_until: null, attempts_left: left-- };
    });
    let unlocked = false;
    const user = userEvent.setup();
    render(LockScreen, { minutes: 15, userName: "Петрова Анна", onUnlocked: () => (unlocked = true), onRelogin: () => {} });
    expect(screen.getByTestId("lock-screen").textContent).toContain("после 15 минут без действий");
    const input = screen.getByLabelText("Пароль от кабинета");
    expect(document.activeElement).toBe(input);
    await user.type(input, "Buh-2025{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Неверный пароль. Осталось 4 попытки.");
    expect((input as HTMLInputElement).value).toBe("");
    await user.type(input, "Buh-2026{Enter}");
    await waitFor(() => expect(unlocked).toBe(true));
  });

  it("offers a new login when the session has no password to check", async () => {
    mockIPC(() => {
      throw { code: "session.relogin_required", message: "log in again", field: null, locked_until: null, attempts_left: null };
    });
    let relogin = false;
    const user = userEvent.setup();
    render(LockScreen, { minutes: 1, userName: "Иванов", onUnlocked: () => {}, onRelogin: () => (relogin = true) });
    await user.type(screen.getByLabelText("Пароль от кабинета"), "x{Enter}");
    await user.click(await screen.findByTestId("lock-relogin"));
    expect(relogin).toBe(true);
  });
});
