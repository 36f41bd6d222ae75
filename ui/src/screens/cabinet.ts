// The screens after login, in a chunk of their own: the login screen, which
// every start draws first, parses only its own code (the start-up bench's
// web process), and these load while the login call's answer is shown.
export { default as OrgChooser } from "./OrgChooser.svelte";
export { default as Registration } from "./Registration.svelte";
export { default as Dashboard } from "./Dashboard.svelte";
export { default as Signatures } from "./Signatures.svelte";
