import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import PasswordRecovery from "./PasswordRecovery.svelte";

describe("PasswordRecovery", () => {
  it("asks for a code, shows the demo code, refuses a weak password and changes a good one", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, payload) => {
      const args = (payload as { args?: Record<string, string> }).args;
      calls.push({ cmd, args });
      if (cmd === "start_recovery") return { ticket: "rec_1", expires_at: "2026-11-23T10:05:00Z" };
      if (cmd === "demo_sms") return { phone: "+79990000033", code: "424242", sent_at: "x" };
      if (cmd === "finish_recovery") {
        if (args?.new_password === "short1")
          throw { code: "auth.weak_password", message: "x", field: null, locked_until: null, attempts_left: null };
        return null;
      }
      return null;
    });
    const onDone = vi.fn();
    const user = userEvent.setup();
    render(PasswordRecovery, { demo: true, login: "forgetful@example.ru", onDone, onCancel: vi.fn() });
    await user.click(screen.getByTestId("recovery-ask"));
    expect((await screen.findByTestId("recovery-demo-code")).textContent).toContain("424242");
    await user.type(screen.getByLabelText("Код подтверждения"), "424242");
    await user.type(screen.getByLabelText("Новый пароль"), "short1");
    await user.type(screen.getByLabelText("Повторите пароль"), "short2");
    expect(screen.getByText("Пароли не совпадают.")).toBeTruthy();
    expect((screen.getByTestId("recovery-submit") as HTMLButtonElement).disabled).toBe(true);
    await user.clear(screen.getByLabelText("Повторите пароль"));
    await user.type(screen.getByLabelText("Повторите пароль"), "short1");
    await user.click(screen.getByTestId("recovery-submit"));
    expect((await screen.findByTestId("recovery-error")).textContent).toContain("Пароль слишком простой");
    expect(onDone).not.toHaveBeenCalled();

    for (const label of ["Новый пароль", "Повторите пароль"]) {
      await user.clear(screen.getByLabelText(label));
      await user.type(screen.getByLabelText(label), "Новый-пароль-2026");
    }
    await user.click(screen.getByTestId("recovery-submit"));
    expect(onDone).toHaveBeenCalledWith("forgetful@example.ru");
    expect(calls.find((c) => c.cmd === "start_recovery")?.args).toEqual({ login: "forgetful@example.ru" });
    expect(calls.filter((c) => c.cmd === "finish_recovery").at(-1)?.args).toEqual({
      ticket: "rec_1",
      code: "424242",
      new_password: "Новый-пароль-2026",
    });
  });
});
