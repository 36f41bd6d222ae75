// Core errors arrive as `{code, message, …}`; the UI shows Russian text per
// code and never parses the English message.
import type { ErrorCode, IpcError } from "./bindings";
import { t } from "./i18n";
import { formatDateTime } from "./format";

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && typeof (e as IpcError).code === "string";
}

export function errorCode(e: unknown): ErrorCode {
  return isIpcError(e) ? e.code : "unknown";
}

/** The message for a code (an outbox action's failure, a refusal). A code
 *  this build does not know — from a newer core — reads as «unknown». */
export function codeText(code: ErrorCode): string {
  return (t.errors as Record<string, string | undefined>)[code] ?? t.errors.unknown;
}

/** The Russian message for an error, with its details. */
export function errorText(e: unknown): string {
  if (!isIpcError(e)) return t.errors.unknown;
  const parts = [codeText(e.code)];
  if (e.code === "auth.locked" && e.locked_until) parts.push(t.lockedUntil(formatDateTime(e.locked_until)));
  if (e.code !== "auth.locked" && e.attempts_left !== null && e.attempts_left !== undefined && e.attempts_left < 5)
    parts.push(t.attemptsLeft(e.attempts_left));
  return parts.join(" ");
}

/** The key of a service-form field an error names (`fields.{key}`). */
export function formField(e: unknown): string | null {
  const field = isIpcError(e) ? e.field : null;
  return field?.startsWith("fields.") ? field.slice("fields.".length) : null;
}

/** A form's values without the empty ones. */
export function filled(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v.trim() !== ""));
}
