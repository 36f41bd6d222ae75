import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { mockIPC } from "@tauri-apps/api/mocks";
import Employees from "./Employees.svelte";
import type { Employee, RecordView, Role } from "../lib/bindings";

const employee = (id: string, name: string, role: string, status: Employee["status"] = "active"): RecordView<Employee> => ({
  record: { id, full_name: name, email: `${id}@romashka.demo`, role, status, version: 1 },
  pending: [],
});

const role = (id: string, builtin: boolean, permissions: Role["permissions"]): RecordView<Role> => ({
  record: { id, permissions, builtin, head: builtin && id === "Руководитель", version: 1 },
  pending: [],
});

const ALL: Role["permissions"] = [
  "applications.edit",
  "applications.submit",
  "documents.sign",
  "requirements.answer",
  "payments.pay",
  "profile.edit",
  "employees.manage",
  "audit.view",
];
const ADMIN: Role["permissions"] = ["applications.edit", "requirements.answer", "profile.edit", "employees.manage", "audit.view"];

function portal(withHead = false) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload as { args?: unknown } | undefined)?.args;
    calls.push({ cmd, args });
    if (cmd === "employees") {
      const items = [
        employee("me", "Орлова Мария Сергеевна", "Администратор"),
        employee("op", "Соколова Елена Андреевна", "Оператор"),
        employee("old", "Бывший Сотрудник", "Оператор", "removed"),
        ...(withHead ? [employee("boss", "Иванов Сергей Петрович", "Руководитель")] : []),
      ];
      return { items, total: items.length };
    }
    if (cmd === "roles") {
      const items = [
        ...(withHead ? [role("Руководитель", true, ALL)] : []),
        role("Администратор", true, ["employees.manage", "audit.view"]),
        role("Оператор", true, ["applications.edit"]),
        role("Наблюдатель", true, []),
        role("Кассир", false, ["payments.pay"]),
      ];
      return { items, total: items.length };
    }
    if (["change_employee_role", "remove_employee", "invite_employee", "save_role"].includes(cmd)) return null;
    throw new Error(`unexpected ${cmd}`);
  });
  return calls;
}

describe("Employees", () => {
  it("changes a role, removes after confirming, never offers it for oneself", async () => {
    const calls = portal();
    const user = userEvent.setup();
    render(Employees, { orgId: "o1", meId: "me", mine: ADMIN });
    const rows = await screen.findAllByTestId("employee-row");
    // Removed ones are hidden until asked for.
    expect(rows).toHaveLength(2);
    const me = rows.find((r) => r.textContent?.includes("Орлова"))!;
    const op = rows.find((r) => r.textContent?.includes("Соколова"))!;
    expect(within(me).queryByTestId("remove-employee")).toBeNull();
    expect(within(me).queryByTestId("employee-role-select")).toBeNull();

    await user.selectOptions(within(op).getByTestId("employee-role-select"), "Наблюдатель");
    expect(calls.find((c) => c.cmd === "change_employee_role")?.args).toEqual({ org_id: "o1", id: "op", role: "Наблюдатель" });
    expect((await screen.findByTestId("employees-notice")).textContent).toContain("Наблюдатель");

    await user.click(within(op).getByTestId("remove-employee"));
    expect(calls.some((c) => c.cmd === "remove_employee")).toBe(false);
    await user.click(screen.getByTestId("confirm-remove"));
    expect(calls.find((c) => c.cmd === "remove_employee")?.args).toEqual({ org_id: "o1", id: "op" });

    await user.click(screen.getByLabelText("Показывать отозванных"));
    expect(await screen.findAllByTestId("employee-row")).toHaveLength(3);
  });

  it("invites by e-mail with a role and edits a custom role's permissions only", async () => {
    const calls = portal();
    const user = userEvent.setup();
    // As the head, who holds every permission.
    render(Employees, { orgId: "o1", meId: "me", mine: ALL });
    await screen.findAllByTestId("employee-row");
    await user.type(screen.getByTestId("invite-email"), "novikov@romashka.demo");
    await user.type(screen.getByTestId("invite-name"), "Новиков Илья");
    await user.selectOptions(screen.getByTestId("invite-role"), "Кассир");
    await user.click(screen.getByTestId("invite-submit"));
    expect(calls.find((c) => c.cmd === "invite_employee")?.args).toEqual({
      org_id: "o1",
      invite: { email: "novikov@romashka.demo", full_name: "Новиков Илья", role: "Кассир" },
    });

    // Built-in roles are read-only; a custom one can be changed.
    const pay = () => screen.getByLabelText("Оплата начислений") as HTMLInputElement;
    expect(pay().disabled).toBe(true);
    const roleList = screen.getByRole("listbox", { name: "Роли и права" });
    await user.click(within(roleList).getByRole("option", { name: /Кассир/ }));
    expect(pay().disabled).toBe(false);
    expect(pay().checked).toBe(true);
    await user.click(screen.getByLabelText("Журнал действий"));
    await user.click(screen.getByRole("button", { name: "Сохранить права" }));
    expect(calls.find((c) => c.cmd === "save_role")?.args).toEqual({
      org_id: "o1",
      existing: "Кассир",
      role: { name: "", permissions: ["payments.pay", "audit.view"] },
    });
  });

  it("offers an administrator only what she holds, and never the head's role or row", async () => {
    portal(true);
    const user = userEvent.setup();
    render(Employees, { orgId: "o1", meId: "me", mine: ADMIN });
    const rows = await screen.findAllByTestId("employee-row");
    const offered = Array.from((screen.getByTestId("invite-role") as HTMLSelectElement).options).map((o) => o.value);
    expect(offered).toEqual(["Администратор", "Оператор", "Наблюдатель"]);
    const boss = rows.find((r) => r.textContent?.includes("Иванов"))!;
    expect(within(boss).queryByTestId("employee-role-select")).toBeNull();
    expect(within(boss).queryByTestId("remove-employee")).toBeNull();
    const op = rows.find((r) => r.textContent?.includes("Соколова"))!;
    const options = Array.from((within(op).getByTestId("employee-role-select") as HTMLSelectElement).options);
    expect(options.map((o) => o.value)).not.toContain("Руководитель");
    expect(options.map((o) => o.value)).not.toContain("Кассир");
    // A permission she lacks cannot be added to a custom role.
    const roleList = screen.getByRole("listbox", { name: "Роли и права" });
    await user.click(within(roleList).getByRole("option", { name: /Кассир/ }));
    expect((screen.getByLabelText("Подписание документов") as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText("Журнал действий") as HTMLInputElement).disabled).toBe(false);
  });
});
