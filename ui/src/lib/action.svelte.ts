// What a component shows about the action it runs: busy while it runs,
// the error (in the UI's words) when it fails, a notice when it is done.
import { errorText } from "./errors";

export class Action {
  busy = $state(false);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);
  /** The failure itself, for a caller that needs its details (the field). */
  cause = $state<unknown>(null);

  /** Runs `what`; when it works, shows `done` (a text, or one made from the
   * result) and answers true. */
  async run<T>(what: () => Promise<T>, done?: string | ((result: T) => string)): Promise<boolean> {
    this.busy = true;
    this.clear();
    try {
      const result = await what();
      if (done !== undefined) this.notice = typeof done === "string" ? done : done(result);
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  fail(e: unknown) {
    this.error = errorText(e);
    this.cause = e;
  }

  clear() {
    this.error = null;
    this.notice = null;
    this.cause = null;
  }
}
