import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import SecondFactor from "./SecondFactor.svelte";

describe("SecondFactor", () => {
  it("sets up an authenticator with a QR code and a code from it, and turns it off with the password", async () => {
    let factor: "sms" | "totp" = "sms";
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === "security") return { second_factor: factor };
      if (cmd === "start_totp")
        return {
          secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
          uri: "otpauth://totp/OrgCabinet:buh?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=OrgCabinet",
          qr_size: 3,
          qr_dark: [true, false, true, false, true, false, true, false, true],
        };
      if (cmd === "confirm_totp") {
        const { code } = (args as { args: { code: string } }).args;
        if (code !== "123456")
          throw { code: "auth.totp_invalid", message: "", field: "code", locked_until: null, attempts_left: 4 };
        factor = "totp";
        return { second_factor: factor };
      }
      if (cmd === "disable_totp") {
        factor = "sms";
        return { second_factor: factor };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(SecondFactor, { online: true });
    expect((await screen.findByTestId("second-factor-now")).textContent).toBe("код из SMS на телефон");
    await user.click(screen.getByTestId("totp-start"));
    expect((await screen.findByTestId("totp-secret")).textContent).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    // Five dark modules of the 3×3 code, shifted by the quiet zone.
    const path = screen.getByTestId("totp-qr").querySelector("path")!.getAttribute("d")!;
    expect(path.match(/M/g)?.length).toBe(5);
    expect(path.startsWith("M4,4h1v1h-1z")).toBe(true);

    const code = screen.getByLabelText("Код из приложения");
    await user.type(code, "654321");
    await user.click(screen.getByTestId("totp-confirm"));
    expect((await screen.findByTestId("second-factor-error")).textContent).toContain("Код не подошёл");
    await user.clear(code);
    await user.type(code, "123456");
    await user.click(screen.getByTestId("totp-confirm"));
    expect((await screen.findByTestId("second-factor-notice")).textContent).toContain("нужен код из приложения");
    expect(screen.getByTestId("second-factor-now").textContent).toBe("код из приложения-аутентификатора");
    expect(screen.queryByTestId("totp-secret")).toBeNull();

    await user.click(screen.getByTestId("totp-disable"));
    await user.type(screen.getByLabelText("Текущий пароль"), "Buh-2026");
    await user.click(screen.getByTestId("totp-disable-confirm"));
    expect((await screen.findByTestId("second-factor-notice")).textContent).toContain("по SMS");
    expect(calls.filter((c) => c === "disable_totp").length).toBe(1);
  });

  it("says offline that the way cannot be changed now", async () => {
    mockIPC((cmd) => {
      if (cmd === "security") throw { code: "net.offline", message: "", field: null, locked_until: null, attempts_left: null };
      throw new Error(`unexpected ${cmd}`);
    });
    render(SecondFactor, { online: false });
    expect(await screen.findByText(/Нет связи с порталом: способ подтверждения входа/)).toBeTruthy();
  });
});
