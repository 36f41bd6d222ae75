import { describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import RequisitesEditor from "./RequisitesEditor.svelte";
import type { OrganizationProfile } from "../lib/bindings";

const profile: OrganizationProfile = {
  id: "o1", kind: "legal_entity", full_name: "ООО «Ромашка»", short_name: "ООО «Ромашка»", inn: "7704123450",
  ogrn: "1157746123457", kpp: "770401001", status: "active", registered_on: "2015-03-17", legal_address: "Москва",
  head_name: "Иванов Сергей Петрович", head_position: "Генеральный директор",
  email: "info@romashka.ru", phone: "+7 495 000-00-00", okved: "62.01", version: 3,
  bank: { bank_name: "ПАО Сбербанк", bik: "044525225", account: "40702810138000012345", corr_account: "30101810400000000225" },
};

describe("RequisitesEditor", () => {
  it("sends only what changed, and names the field the check refused", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, payload) => {
      if (cmd !== "request_profile_change") throw new Error(`unexpected ${cmd}`);
      const args = (payload as { args: { change: { bank: { account: string } | null } } }).args;
      sent.push(args);
      if (args.change.bank?.account.endsWith("9")) throw { code: "account.checksum", message: "", field: null, locked_until: null, attempts_left: null };
      return null;
    });
    const onSent = vi.fn();
    const user = userEvent.setup();
    render(RequisitesEditor, { profile, onSent, onClose: vi.fn() });
    const send = screen.getByTestId("requisites-send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);

    const account = screen.getByTestId("rq-account");
    await user.clear(account);
    await user.type(account, "40702810938000000009");
    await user.click(send);
    const error = await screen.findByTestId("requisites-error");
    expect(error.textContent).toBe("Расчётный счёт не проходит проверку контрольной суммы — проверьте цифры.");
    expect(account.getAttribute("aria-invalid")).toBe("true");
    expect(onSent).not.toHaveBeenCalled();

    await user.clear(account);
    await user.type(account, "40702810938000000001");
    await user.clear(screen.getByLabelText("Должность"));
    await user.type(screen.getByLabelText("Должность"), "Директор");
    await user.click(send);
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(sent[1]).toEqual({
      org_id: "o1",
      change: {
        bank: { bank_name: "ПАО Сбербанк", bik: "044525225", account: "40702810938000000001", corr_account: "30101810400000000225" },
        head_name: null,
        head_position: "Директор",
      },
    });
  });

  it("asks a legal entity for a new KPP and marks it when refused; an entrepreneur has none", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, payload) => {
      if (cmd !== "request_profile_change") throw new Error(`unexpected ${cmd}`);
      const args = (payload as { args: { change: { kpp?: string } } }).args;
      sent.push(args);
      if (args.change.kpp?.length !== 9) throw { code: "kpp.length", message: "", field: null, locked_until: null, attempts_left: null };
      return null;
    });
    const onSent = vi.fn();
    const user = userEvent.setup();
    const view = render(RequisitesEditor, { profile, onSent, onClose: vi.fn() });
    const kpp = screen.getByTestId("rq-kpp") as HTMLInputElement;
    expect(kpp.value).toBe("770401001");
    await user.clear(kpp);
    await user.type(kpp, "77050100");
    await user.click(screen.getByTestId("requisites-send"));
    await screen.findByTestId("requisites-error");
    expect(kpp.getAttribute("aria-invalid")).toBe("true");
    await user.type(kpp, "1");
    await user.click(screen.getByTestId("requisites-send"));
    await waitFor(() => expect(onSent).toHaveBeenCalled());
    expect(sent[1]).toEqual({ org_id: "o1", change: { bank: null, head_name: null, head_position: null, kpp: "770501001" } });
    view.unmount();

    render(RequisitesEditor, {
      profile: { ...profile, kind: "entrepreneur", kpp: null, inn: "500312345670" },
      onSent: vi.fn(),
      onClose: vi.fn(),
    });
    expect(screen.queryByTestId("rq-kpp")).toBeNull();
  });
});
