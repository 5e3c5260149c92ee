/**
 * Sign-ins waiting for the person: the servers whose bridges handed their sign-in to the app, and
 * for each whether a sign-in is under way or what went wrong. The list comes from Rust (loaded at
 * start, then pushed whenever it changes); a finished sign-in drops out of it because storing the
 * tokens clears the request. Every call goes through the injected api (ipc.ts); no token ever
 * reaches this store.
 */
import { type SignInPhase, type SignInPhaseChanged, type SignInRequestView, ipc, toIpcError } from "../ipc";

export type SignInApi = Pick<
  typeof ipc,
  "signInRequests" | "signIn" | "dismissSignIn" | "cancelSignIn" | "openSignInPage" | "onSignInPhaseChanged"
>;

export type { SignInPhase };

export function createSignIn(api: SignInApi = ipc) {
  let requests = $state<SignInRequestView[]>([]);
  let phases = $state<Record<string, SignInPhase>>({});

  return {
    get requests() {
      return requests;
    },
    phase(serverUrl: string): SignInPhase {
      return phases[serverUrl] ?? { state: "idle" };
    },
    /** Reads the pending sign-ins (at start). */
    async load(): Promise<void> {
      try {
        requests = await api.signInRequests();
      } catch {
        requests = [];
      }
    },
    /** Follows the sign-ins Rust runs, also those started from the tray; resolves to a stop function. */
    follow(): Promise<() => void> {
      return api.onSignInPhaseChanged((change: SignInPhaseChanged) => {
        phases = { ...phases, [change.serverUrl]: change.phase };
      });
    },
    /** The pending sign-ins as Rust pushed them. */
    receive(list: SignInRequestView[]): void {
      requests = list;
    },
    /** Signs in to a server (the browser opens); resolves to whether it worked. */
    async signIn(name: string, serverUrl: string): Promise<boolean> {
      phases = { ...phases, [serverUrl]: { state: "signing-in" } };
      try {
        await api.signIn(name, serverUrl);
        phases = { ...phases, [serverUrl]: { state: "idle" } };
        requests = requests.filter((r) => r.serverUrl !== serverUrl);
        return true;
      } catch (thrown) {
        const err = toIpcError("sign_in", thrown);
        // Cancelled by the person: back to the request as it was offered.
        const phase: SignInPhase = err.code === "sign-in-cancelled" ? { state: "idle" } : { state: "failed", message: err.message };
        phases = { ...phases, [serverUrl]: phase };
        return false;
      }
    },
    /** Stops the sign-in under way (the pending signIn call then resolves to false). */
    async cancel(serverUrl: string): Promise<void> {
      await api.cancelSignIn(serverUrl).catch(() => {});
    },
    /** Opens the browser again at the sign-in page. */
    async openAgain(serverUrl: string): Promise<void> {
      try {
        await api.openSignInPage(serverUrl);
      } catch (thrown) {
        phases = { ...phases, [serverUrl]: { state: "failed", message: toIpcError("open_sign_in_page", thrown).message } };
      }
    },
    /** Hides a request until the server asks again. */
    async dismiss(serverUrl: string): Promise<void> {
      requests = requests.filter((r) => r.serverUrl !== serverUrl);
      await api.dismissSignIn(serverUrl).catch(() => {});
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
