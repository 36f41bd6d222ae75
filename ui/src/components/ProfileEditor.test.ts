import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import ProfileEditor from "./ProfileEditor.svelte";
import type { OrganizationProfile } from "../lib/bindings";

const profile: OrganizationProfile = {
  id: "o1", kind: "legal_entity", full_name: "ООО «Ромашка»", short_name: "ООО «Ромашка»", inn: "7704123450",
  ogrn: "1027700000000", kpp: "770401001", status: "active", registered_on: "2010-01-01",
  legal_address: "г. Москва, ул. Ленина, д. 1", head_name: "Иванов И. И.", head_position: "Генеральный директор",
  email: "info@romashka.ru", phone: "+7 495 000-00-00", okved: "62.01", version: 3,
};

describe("ProfileEditor", () => {
  it("sends only the changed fields and shows the core's field error in Russian", async () => {
    const sent: unknown[] = [];
    let fail = true;
    mockIPC((cmd, args) => {
      if (cmd === "edit_profile") {
        sent.push((args as { args: unknown }).args);
        if (fail) {
          fail = false;
          throw { code: "input.phone", message: "phone" };
        }
        return { ...profile, phone: "+7 495 111-22-33" };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    let saved: OrganizationProfile | null = null;
    const user = userEvent.setup();
    render(ProfileEditor, { profile, onSaved: (p: OrganizationProfile) => (saved = p), onClose: () => {} });
    const phone = screen.getByLabelText("Телефон");
    expect(document.activeElement).toBe(phone);
    await user.clear(phone);
    await user.type(phone, "12");
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByRole("alert")).textContent).toContain("10 цифр");
    expect(phone.getAttribute("aria-invalid")).toBe("true");
    await user.clear(phone);
    await user.type(phone, "8 495 111 22 33{Enter}");
    await waitFor(() => expect(saved).not.toBeNull());
    expect(sent[1]).toEqual({ org_id: "o1", edit: { phone: "8 495 111 22 33", email: null, legal_address: null } });
  });

  it("says so when nothing changed, without a call", async () => {
    mockIPC((cmd) => {
      throw new Error(`unexpected ${cmd}`);
    });
    const user = userEvent.setup();
    render(ProfileEditor, { profile, onSaved: () => {}, onClose: () => {} });
    await user.click(screen.getByTestId("profile-save"));
    expect((await screen.findByRole("alert")).textContent).toBe("Вы ничего не изменили.");
  });
});
