import { describe, expect, it } from "vitest";
import { errorText } from "./errors";
import { formatDate, normalize } from "./format";

const err = (code: string, extra: object = {}) => ({ code, message: "english", field: null, locked_until: null, attempts_left: null, ...extra });

describe("errors", () => {
  it("maps codes to Russian text, never the English message", () => {
    expect(errorText(err("network.offline"))).toBe("Нет связи с порталом. Проверьте подключение к интернету.");
    expect(errorText(err("org.forbidden"))).toBe("У вас нет доступа к этой организации.");
    expect(errorText(err("something.new"))).toBe("Что-то пошло не так. Попробуйте ещё раз.");
    expect(errorText(new Error("boom"))).toBe("Что-то пошло не так. Попробуйте ещё раз.");
  });

  it("names the requisite and what is wrong with it", () => {
    expect(errorText(err("inn.checksum", { field: "inn" }))).toBe(
      "ИНН не проходит проверку контрольной суммы — проверьте цифры.",
    );
    expect(errorText(err("kpp.length"))).toBe("КПП неверной длины.");
    expect(errorText(err("inn.unheard_of"))).toBe("Что-то пошло не так. Попробуйте ещё раз.");
  });

  it("adds attempts left only when they are running out", () => {
    expect(errorText(err("auth.otp_invalid", { attempts_left: 4 }))).toBe("Неверный код подтверждения. Осталось попыток: 4.");
    expect(errorText(err("auth.otp_invalid", { attempts_left: 5 }))).toBe("Неверный код подтверждения.");
  });
});

describe("format", () => {
  it("formats calendar dates without a time-zone shift", () => {
    expect(formatDate("2015-03-17")).toBe("17.03.2015");
  });

  it("normalizes ё and case", () => {
    expect(normalize("ООО «Берёзка»")).toBe("ооо березка");
  });
});
